/**
 * How a saved report is materialized: bucket by bucket (so a run recomputes only the buckets new
 * data touched) or whole.
 *
 * A bucketed report's result is the analysis run on each bucket alone (`from`/`to` = that
 * bucket), rows concatenated in bucket order. The *dependency span* says which buckets an event
 * can change: exactly the buckets whose per-bucket run reads it.
 *  - trends: the event's own bucket (and the next one with `compare`, whose previous period it is);
 *  - sessions (daily view) and engagement: a day's run reads the local days within
 *    ceil(maxLength / 1 day) + 1 on either side (sessions cross midnight; a session's day is the
 *    day it starts), none with `splitAtMidnight`;
 *  - funnel with `trend`: entry buckets are run on events up to `window` after the bucket, so an
 *    event at t touches the entry buckets from t − window to t.
 * Everything else (retention, paths, a funnel without trend, the sessions list, live lists and
 * analyses added later) is recomputed whole on every run.
 */
import type { AnyAnalysis, ResultTable } from '../analyses/analysis.js';
import { bucketKeyOf, bucketLabel, bucketStartMs, INTERVALS, nextBucketKey, type Interval } from '../analyses/shared/time-buckets.js';
import { parseTimeInput, resolveBound } from '../analyses/shared/time-range.js';
import { dateOfDayNumber, formatDate, localParts, daysInMonth } from '../analyses/shared/zoned-time.js';
import { durationMs } from '../analyses/shared/duration.js';
import { DEFAULT_MAX_LENGTH_MS } from '../analyses/sessions/session-rules.js';
import { windowMs, type FunnelWindow } from '../analyses/funnel/definition.js';
import { planSessions, type SessionsDefinition } from '../analyses/sessions/definition.js';
import { compilePersonDays, dailyFromPersonDays, type CompiledQuery, type SessionsTarget } from '../analyses/sessions/sessions-compiler.js';
import type { PersonScope } from '../analyses/sessions/sessionize-sql.js';
import { trendCounts, type CountsPlan } from './trend-counts.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Shortest length a bucket of each interval can have (DST days are 23 hours). */
const MIN_BUCKET_MS: Record<Interval, number> = { hour: HOUR_MS, day: 23 * HOUR_MS, week: 7 * DAY_MS - HOUR_MS, month: 28 * DAY_MS - HOUR_MS };

/** Which identity changes can alter a report's numbers (see touched-buckets.ts). */
export type IdentityDependence = 'none' | 'links' | 'links-and-traits';

export interface BucketedPlan {
  readonly kind: 'bucketed';
  readonly interval: Interval;
  /** An event in bucket b touches buckets b − before .. b + after. */
  readonly before: number;
  readonly after: number;
  readonly identity: IdentityDependence;
  /** First and last bucket keys the report covers; null = unbounded. */
  readonly fromKey: number | null;
  readonly toKey: number | null;
  /** The analysis definition for one bucket (not yet validated). */
  definitionFor(key: number): Record<string, unknown>;
  /** A bucket's rows from that bucket's result. */
  table(key: number, result: unknown): ResultTable;
  /**
   * Set when one run over several consecutive buckets gives each bucket the rows its own run
   * would (rows carry their bucket): splits such a run's table into the buckets' rows. One
   * query instead of one per bucket, and sessions read each neighbouring day once, not per bucket.
   */
  readonly split?: (keys: readonly number[], table: ResultTable) => Map<number, ResultTable['rows']>;
  /**
   * Set when each day's result is a sum over persons that can be kept per (day, person): a run
   * then recomputes only the persons new data touched (see person-day-state.ts).
   */
  readonly personState?: PersonStatePlan;
  /**
   * Set when a bucket's number is the count of its rows: a run adds the rows loaded since to
   * the counts it kept, reading nothing else (see bucket-counts.ts).
   */
  readonly counts?: CountsPlan;
}

export interface PersonStatePlan {
  /** Per-(day, person) state rows (PERSON_DAY_COLUMNS) for a validated definition, limited to `scope`. */
  rowsSql(definition: unknown, target: SessionsTarget, scope: PersonScope | null): CompiledQuery;
  /** The analysis's rows, by day, from a subquery of state rows. */
  fromStateSql(state: string): string;
  /** The analysis result made of those rows: what `table` takes. */
  result(rows: unknown[]): unknown;
}

export interface FullPlan {
  readonly kind: 'full';
  /** The analysis definition for a run at `nowMs` (rolling reports move their range). */
  definitionAt(nowMs: number): Record<string, unknown>;
  table(result: unknown): ResultTable;
}

export type ReportPlan = BucketedPlan | FullPlan;

export interface PlanInput {
  readonly analysis: AnyAnalysis;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly timezone: string;
  readonly rollingDays: number | null;
}

/** The `from`/`to` texts covering one bucket: whole local dates, or exact instants for hours. */
export function bucketRange(key: number, interval: Interval, timeZone: string): { from: string; to: string } {
  if (interval === 'hour') {
    return {
      from: new Date(bucketStartMs(key, 'hour', timeZone)).toISOString(),
      to: new Date(bucketStartMs(nextBucketKey(key, 'hour', timeZone), 'hour', timeZone)).toISOString(),
    };
  }
  const first = bucketLabel(key, interval, timeZone);
  if (interval === 'day') return { from: first, to: first };
  if (interval === 'week') {
    const d = dateOfDayNumber(key * 7 - 3 + 6);
    return { from: first, to: formatDate(d.year, d.month, d.day) };
  }
  const year = Math.floor(key / 12);
  const month = (key % 12) + 1;
  return { from: first, to: formatDate(year, month, daysInMonth(year, month)) };
}

/** Moves a bucket key by n buckets. */
export function shiftKey(key: number, n: number, interval: Interval, timeZone: string): number {
  if (interval !== 'hour') return key + n;
  return bucketKeyOf(bucketStartMs(key, 'hour', timeZone) + n * HOUR_MS, 'hour', timeZone);
}

/** Bucket keys from a to b inclusive, in order. */
export function keysBetween(a: number, b: number, interval: Interval, timeZone: string): number[] {
  const out: number[] = [];
  for (let k = a; k <= b; k = nextBucketKey(k, interval, timeZone)) out.push(k);
  return out;
}

/** Whether a definition reads person properties anywhere (filters or breakdowns with source/type "person"). */
export function usesPersonProperties(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesPersonProperties);
  if (value === null || typeof value !== 'object') return false;
  const o = value as Record<string, unknown>;
  if (o.source === 'person') return true;
  const bd = o.breakdown;
  if (bd !== null && typeof bd === 'object' && (bd as Record<string, unknown>).type === 'person') return true;
  return Object.values(o).some(usesPersonProperties);
}

function boundKeys(def: Readonly<Record<string, unknown>>, interval: Interval, tz: string): { fromKey: number | null; toKey: number | null } {
  const key = (text: unknown, role: 'from' | 'to'): number | null => {
    if (typeof text !== 'string') return null;
    const parsed = parseTimeInput(text);
    if (typeof parsed === 'string') throw new PlanError(`definition.${role}: ${parsed}`);
    const ms = resolveBound(parsed, role, tz);
    return bucketKeyOf(role === 'to' ? ms - 1 : ms, interval, tz);
  };
  return { fromKey: key(def.from, 'from'), toKey: key(def.to, 'to') };
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

function withoutRange(def: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { from: _from, to: _to, ...rest } = def;
  return rest;
}

function sessionPad(def: Readonly<Record<string, unknown>>): number {
  if (def.splitAtMidnight === true) return 0;
  const maxLength = def.maxLength as string | number | undefined;
  let ms = DEFAULT_MAX_LENGTH_MS;
  try {
    ms = durationMs(maxLength, DEFAULT_MAX_LENGTH_MS);
  } catch {
    // An invalid duration fails the analysis schema with a better message.
  }
  return Math.ceil(ms / DAY_MS) + 1;
}

/** Sessions per day: each day's numbers are sums over persons of their sessions that day. */
const SESSIONS_PER_PERSON: PersonStatePlan = {
  rowsSql: (definition, target, scope) => compilePersonDays(planSessions(definition as SessionsDefinition), target, scope),
  fromStateSql: dailyFromPersonDays,
  result: (days) => ({ view: 'daily', days }),
};

/** A valid interval, or day: an invalid one fails the analysis schema, with its path, when checked. */
function intervalOr(value: unknown): Interval {
  return (INTERVALS as readonly unknown[]).includes(value) ? (value as Interval) : 'day';
}

/** Trends without breakdown: one row per bucket, in bucket order. */
function splitInOrder(keys: readonly number[], t: ResultTable): Map<number, ResultTable['rows']> {
  if (t.rows.length !== keys.length) throw new Error(`expected ${keys.length} rows, one per bucket, got ${t.rows.length}`);
  return new Map(keys.map((k, i) => [k, t.rows.slice(i, i + 1)]));
}

/** Rows labelled with their local day in the `day` column; days without rows get none. */
function splitByDay(timeZone: string) {
  return (keys: readonly number[], t: ResultTable): Map<number, ResultTable['rows']> => {
    const col = t.columns.indexOf('day');
    if (col < 0) throw new Error('the result has no day column');
    const byLabel = new Map(keys.map((k) => [bucketLabel(k, 'day', timeZone), k]));
    const out = new Map<number, Array<ResultTable['rows'][number]>>(keys.map((k) => [k, []]));
    for (const row of t.rows) {
      const key = byLabel.get(String(row[col]));
      if (key === undefined) throw new Error(`row for day ${String(row[col])} lies outside the buckets run`);
      out.get(key)?.push(row);
    }
    return out;
  };
}

function bucketed(
  input: PlanInput,
  interval: Interval,
  span: { before: number; after: number },
  identity: IdentityDependence,
  shape: {
    definitionFor: (key: number, base: Record<string, unknown>) => Record<string, unknown>;
    table?: (key: number, t: ResultTable) => ResultTable;
    split?: BucketedPlan['split'];
    personState?: PersonStatePlan;
    counts?: (plan: Pick<BucketedPlan, 'fromKey' | 'toKey' | 'definitionFor'>) => CountsPlan | undefined;
  },
): BucketedPlan {
  const tz = input.timezone;
  const base = withoutRange(input.definition);
  const bounds = boundKeys(input.definition, interval, tz);
  const definitionFor = (key: number) => shape.definitionFor(key, base);
  const counts = identity === 'none' ? shape.counts?.({ ...bounds, definitionFor }) : undefined;
  return {
    kind: 'bucketed',
    interval,
    ...span,
    identity,
    ...bounds,
    definitionFor,
    ...(shape.split ? { split: shape.split } : {}),
    ...(counts ? { counts } : {}),
    ...(shape.personState ? { personState: shape.personState } : {}),
    table: (key, result) => {
      const t = input.analysis.toTable(result);
      return shape.table ? shape.table(key, t) : t;
    },
  };
}

/** Decides how a report is materialized; throws PlanError for settings that cannot work. */
export function planReport(input: PlanInput): ReportPlan {
  const { analysis, definition: def, timezone: tz } = input;
  const persons = usesPersonProperties(def) ? 'links-and-traits' : 'links';
  const rangeOf = (interval: Interval) => (key: number, base: Record<string, unknown>) => ({ ...base, ...bucketRange(key, interval, tz) });
  let plan: ReportPlan | undefined;
  switch (analysis.name) {
    case 'trends': {
      const interval = intervalOr(def.interval);
      const measure = def.measure as { type?: unknown } | undefined;
      const identity: IdentityDependence = usesPersonProperties(def) ? 'links-and-traits' : measure?.type === 'persons' ? 'links' : 'none';
      // A breakdown ranks its top values over the whole range run, and compare shifts by the
      // range's length: both need one run per bucket to mean "per bucket".
      const perBucketOnly = def.breakdown !== undefined || def.compare === true;
      plan = bucketed(input, interval, { before: 0, after: def.compare === true ? 1 : 0 }, identity, {
        definitionFor: rangeOf(interval),
        ...(perBucketOnly ? {} : { split: splitInOrder }),
        counts: (p) => trendCounts({ base: withoutRange(def), interval, timezone: tz, ...p }),
      });
      break;
    }
    case 'sessions':
    case 'engagement': {
      if (analysis.name === 'sessions' && def.view === 'list') break;
      const pad = sessionPad(def);
      plan = bucketed(input, 'day', { before: pad, after: pad }, persons, {
        definitionFor: rangeOf('day'),
        split: splitByDay(tz),
        ...(analysis.name === 'sessions' ? { personState: SESSIONS_PER_PERSON } : {}),
      });
      break;
    }
    case 'funnel': {
      const trend = def.trend as { interval?: unknown } | undefined;
      if (!trend || typeof trend.interval !== 'string') break;
      const interval = intervalOr(trend.interval);
      const w = windowMs(def.window as FunnelWindow | undefined);
      plan = bucketed(input, interval, { before: Math.ceil(w / MIN_BUCKET_MS[interval]) + 1, after: 0 }, persons, {
        definitionFor: (key, base) => {
          const { trend: _trend, ...rest } = base;
          return { ...rest, ...bucketRange(key, interval, tz) };
        },
        table: (key, t) => ({
          columns: ['period', ...t.columns],
          rows: t.rows.map((r) => [bucketLabel(key, interval, tz), ...r]),
        }),
      });
      break;
    }
  }
  if (plan) return plan;
  return {
    kind: 'full',
    definitionAt: (nowMs) => {
      if (input.rollingDays === null) return { ...def };
      const today = localParts(nowMs, tz);
      const first = new Date(Date.UTC(today.year, today.month - 1, today.day) - (input.rollingDays - 1) * DAY_MS);
      return {
        ...def,
        from: formatDate(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate()),
        to: formatDate(today.year, today.month, today.day),
      };
    },
    table: (result) => analysis.toTable(result),
  };
}
