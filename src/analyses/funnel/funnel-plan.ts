/**
 * A validated definition, normalised into the plain values both the SQL compiler and the reference
 * implementation work from: defaults applied, durations and date bounds resolved to epoch ms,
 * filter values turned into their text/number/list form, filters split by where they are evaluated.
 */
import type { AnalysisContext } from '../analysis.js';
import {
  DEFAULT_BREAKDOWN_LIMIT,
  windowMs,
  type FilterOp,
  type FunnelDefinition,
  type FunnelFilter,
  type OrderMode,
} from './definition.js';
import { optionalRange } from '../shared/time-range.js';
import { durationMs } from '../shared/duration.js';
import { DEFAULT_MAX_LENGTH_MS, DEFAULT_TIMEOUT_MS } from '../sessions/session-rules.js';

export type FilterSource = 'event' | 'person' | 'column';

export interface PlanFilter {
  readonly source: FilterSource;
  readonly property: string;
  readonly op: FilterOp;
  /** Text for eq/neq/contains/not_contains/regex, number for comparisons, list for in/not_in. */
  readonly value: string | number | readonly string[] | null;
}

/** Which events a step or exclusion matches: any of the names, and every filter. */
export interface PlanMatcher {
  readonly names: readonly string[];
  /** Evaluated on each event (event properties and typed columns). */
  readonly eventFilters: readonly PlanFilter[];
  /** Evaluated once per person (person properties). */
  readonly personFilters: readonly PlanFilter[];
}

export interface PlanStep extends PlanMatcher {
  readonly label: string;
}

export interface PlanExclusion extends PlanMatcher {
  /** 1-based step numbers: applies once step `after` is filled and until step `before` is. */
  readonly after: number;
  readonly before: number;
}

export interface PlanBreakdown {
  readonly type: 'event' | 'person' | 'column';
  readonly property: string;
  readonly attributionStep: number;
  readonly limit: number;
}

export type TrendInterval = 'day' | 'week' | 'month';

/** Sessions, when they are the counting unit (docs/funnels.md, "Counting unit"). */
export interface PlanSessions {
  readonly timeoutMs: number;
  readonly maxLengthMs: number;
  readonly splitAtMidnight: boolean;
  /**
   * Sessions are formed from the events at or after fromMs − lookbackMs (all events without a
   * `from`): far enough back to see where a session holding a step-1 event began.
   */
  readonly lookbackMs: number;
}

export interface FunnelPlan {
  readonly mode: OrderMode;
  readonly windowMs: number;
  /** Attempts start at step-1 events with fromMs <= time < toMs; null = unbounded. */
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly timezone: string;
  readonly steps: readonly PlanStep[];
  readonly exclusions: readonly PlanExclusion[];
  /** Global filters: events failing them are invisible to the funnel; persons failing them are left out. */
  readonly eventFilters: readonly PlanFilter[];
  readonly personFilters: readonly PlanFilter[];
  readonly breakdown: PlanBreakdown | null;
  readonly trend: TrendInterval | null;
  /** null: every person is one unit; otherwise every session is. */
  readonly sessions: PlanSessions | null;
}

/** Event types a funnel looks at; identify/alias/group calls are not things a person did. */
export const FUNNEL_EVENT_TYPES = ['track', 'page', 'screen'] as const;

function scalarText(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

export function planFilter(f: FunnelFilter): PlanFilter {
  const source = f.source ?? 'event';
  const v = f.value;
  let value: PlanFilter['value'] = null;
  if (f.op === 'in' || f.op === 'not_in') value = Array.isArray(v) ? v.map(scalarText) : [];
  else if (f.op === 'gt' || f.op === 'gte' || f.op === 'lt' || f.op === 'lte') value = typeof v === 'number' ? v : Number.NaN;
  else if (f.op !== 'is_set' && f.op !== 'is_not_set') value = v === undefined || Array.isArray(v) ? '' : scalarText(v);
  return { source, property: f.property, op: f.op, value };
}

function matcher(event: string | string[], filters: FunnelFilter[] | undefined): PlanMatcher {
  const names = [...new Set(typeof event === 'string' ? [event] : event)];
  const all = (filters ?? []).map(planFilter);
  return {
    names,
    eventFilters: all.filter((f) => f.source !== 'person'),
    personFilters: all.filter((f) => f.source === 'person'),
  };
}

export function planFunnel(def: FunnelDefinition, ctx: Pick<AnalysisContext, 'timezone'>): FunnelPlan {
  const steps = def.steps.map((s) => {
    const m = matcher(s.event, s.filters);
    return { ...m, label: s.label ?? m.names.join(' or ') };
  });
  const global = (def.filters ?? []).map(planFilter);
  const bd = def.breakdown;
  return {
    mode: def.order ?? 'ordered',
    windowMs: windowMs(def.window),
    ...optionalRange(def.from, def.to, ctx.timezone),
    timezone: ctx.timezone,
    steps,
    exclusions: (def.exclusions ?? []).map((x) => ({ ...matcher(x.event, x.filters), after: x.between[0], before: x.between[1] })),
    eventFilters: global.filter((f) => f.source !== 'person'),
    personFilters: global.filter((f) => f.source === 'person'),
    breakdown: bd
      ? {
          type: bd.type,
          property: bd.property,
          attributionStep: bd.type === 'person' ? 1 : (bd.attributionStep ?? 1),
          limit: bd.limit ?? DEFAULT_BREAKDOWN_LIMIT,
        }
      : null,
    trend: def.trend?.interval ?? null,
    sessions: def.unit === 'session' ? planSessions(def) : null,
  };
}

function planSessions(def: FunnelDefinition): PlanSessions {
  const timeoutMs = durationMs(def.session?.timeout, DEFAULT_TIMEOUT_MS);
  const maxLengthMs = durationMs(def.session?.maxLength, DEFAULT_MAX_LENGTH_MS);
  return { timeoutMs, maxLengthMs, splitAtMidnight: def.session?.splitAtMidnight ?? false, lookbackMs: maxLengthMs + timeoutMs };
}
