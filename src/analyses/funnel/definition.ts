/**
 * The funnel definition: one JSON shape for the API body, CLI file and saved reports, validated
 * once at the edge. Every problem is reported with its exact path (`steps[2].filters[0].op`), so the
 * API can answer 400 with something a person can fix.
 */
import { z } from 'zod';
import { durationOrMsSchema, DURATION_SPELLINGS, parseDuration, type Duration } from '../shared/duration.js';
import { MAX_SESSION_DURATION_MS } from '../sessions/session-rules.js';
import { approximateRange, timeInputSchema } from '../shared/time-range.js';

export const MAX_STEPS = 32;
/** Exclusion flags share a 64-bit word with the step flags in the engine, so at most 32. */
export const MAX_EXCLUSIONS = 32;
export const MAX_WINDOW_MS = 366 * 86_400_000;
export const DEFAULT_WINDOW_MS = 14 * 86_400_000;
export const DEFAULT_BREAKDOWN_LIMIT = 10;
export const MAX_BREAKDOWN_LIMIT = 100;

export const FILTER_OPS = [
  'eq', 'neq', 'contains', 'not_contains', 'regex', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set', 'in', 'not_in',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/**
 * Typed event columns a filter or breakdown may name with `source: 'column'`. The compiler maps
 * these names to SQL identifiers through this list; a user's string never becomes an identifier.
 */
export const EVENT_COLUMNS = [
  'page_url', 'page_path', 'page_referrer', 'page_title', 'device_type', 'os', 'browser', 'channel',
  'utm_source', 'utm_medium', 'utm_campaign', 'country', 'locale',
] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];

export const ORDER_MODES = ['ordered', 'strict', 'any'] as const;
export type OrderMode = (typeof ORDER_MODES)[number];

const scalar = z.union([z.string().max(10_000), z.number().finite(), z.boolean()]);
type Scalar = z.infer<typeof scalar>;

/** Constructs RE2 (the engine's regex library) rejects, though JavaScript accepts them. */
const UNSUPPORTED_REGEX_SYNTAX = /\(\?[=!<]|\\[1-9]|\\k</;

export interface FunnelFilter {
  property: string;
  source?: 'event' | 'person' | 'column' | undefined;
  op: FilterOp;
  value?: Scalar | Scalar[] | undefined;
}

const filterSchema = z
  .object({
    property: z.string().min(1).max(200),
    source: z.enum(['event', 'person', 'column']).optional(),
    op: z.enum(FILTER_OPS),
    value: z.union([scalar, z.array(scalar).min(1).max(1000)]).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.source === 'column' && !(EVENT_COLUMNS as readonly string[]).includes(f.property)) {
      ctx.addIssue({ code: 'custom', path: ['property'], message: `unknown column; expected one of ${EVENT_COLUMNS.join(', ')}` });
    }
    const v = f.value;
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', path: ['value'], message });
    switch (f.op) {
      case 'is_set':
      case 'is_not_set':
        if (v !== undefined) fail(`${f.op} takes no value`);
        break;
      case 'in':
      case 'not_in':
        if (!Array.isArray(v)) fail(`${f.op} needs a non-empty list of values`);
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (typeof v !== 'number') fail(`${f.op} needs a number`);
        break;
      case 'regex':
        if (typeof v !== 'string') fail('regex needs a pattern string');
        else if (!validPattern(v)) fail('not a valid regular expression (RE2 syntax: no lookaround or backreferences)');
        break;
      default:
        if (v === undefined || Array.isArray(v)) fail(`${f.op} needs a single value`);
    }
  }) satisfies z.ZodType<FunnelFilter>;

function validPattern(p: string): boolean {
  if (p.length > 1000 || UNSUPPORTED_REGEX_SYNTAX.test(p)) return false;
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}

const eventNames = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(50)]);

export interface FunnelStepDefinition {
  event: string | string[];
  filters?: FunnelFilter[] | undefined;
  label?: string | undefined;
}

export interface FunnelExclusion {
  event: string | string[];
  filters?: FunnelFilter[] | undefined;
  /** 1-based step numbers: the exclusion applies after step `between[0]` and before step `between[1]`. */
  between: [number, number];
}

export interface FunnelBreakdown {
  type: 'event' | 'person' | 'column';
  property: string;
  /** 1-based step whose event supplies the value (event and column breakdowns); default 1. */
  attributionStep?: number | undefined;
  limit?: number | undefined;
}

export type FunnelWindow = string | { ms: number };

export interface FunnelSessionRules {
  /** A gap longer than this ends the session. Default 30m. */
  timeout?: Duration | undefined;
  /** Sessions are cut into windows of this length from their first event. Default 24h. */
  maxLength?: Duration | undefined;
  /** Start a new session when the local calendar date changes. Default false. */
  splitAtMidnight?: boolean | undefined;
}

export interface FunnelDefinition {
  steps: FunnelStepDefinition[];
  order?: OrderMode | undefined;
  window?: FunnelWindow | undefined;
  from?: string | undefined;
  to?: string | undefined;
  unit?: 'person' | 'session' | undefined;
  /** How sessions are cut when `unit` is 'session' (the sessions analysis' rules). */
  session?: FunnelSessionRules | undefined;
  exclusions?: FunnelExclusion[] | undefined;
  breakdown?: FunnelBreakdown | undefined;
  filters?: FunnelFilter[] | undefined;
  trend?: { interval: 'day' | 'week' | 'month' } | undefined;
}

export function windowMs(w: FunnelWindow | undefined): number {
  if (w === undefined) return DEFAULT_WINDOW_MS;
  if (typeof w === 'string') return parseDuration(w) ?? DEFAULT_WINDOW_MS;
  return w.ms;
}

const windowSchema = z.union([
  z.string().refine((s) => {
    const ms = parseDuration(s);
    return ms !== undefined && ms >= 1 && ms <= MAX_WINDOW_MS;
  }, `window must be a positive duration up to 366d: ${DURATION_SPELLINGS}`),
  z.object({ ms: z.number().int().positive().max(MAX_WINDOW_MS) }),
]);

export const funnelDefinitionSchema = z
  .object({
    steps: z
      .array(
        z.object({
          event: eventNames,
          filters: z.array(filterSchema).max(20).optional(),
          label: z.string().max(200).optional(),
        }),
      )
      .min(2, 'a funnel needs at least 2 steps')
      .max(MAX_STEPS, `a funnel has at most ${MAX_STEPS} steps`),
    order: z.enum(ORDER_MODES).optional(),
    window: windowSchema.optional(),
    from: timeInputSchema.optional(),
    to: timeInputSchema.optional(),
    unit: z.enum(['person', 'session']).optional(),
    session: z
      .object({ timeout: durationOrMsSchema(1, MAX_SESSION_DURATION_MS).optional(), maxLength: durationOrMsSchema(1, MAX_SESSION_DURATION_MS).optional(), splitAtMidnight: z.boolean().optional() })
      .strict()
      .optional(),
    exclusions: z
      .array(
        z.object({
          event: eventNames,
          filters: z.array(filterSchema).max(20).optional(),
          between: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
        }),
      )
      .max(MAX_EXCLUSIONS)
      .optional(),
    breakdown: z
      .object({
        type: z.enum(['event', 'person', 'column']),
        property: z.string().min(1).max(200),
        attributionStep: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(MAX_BREAKDOWN_LIMIT).optional(),
      })
      .optional(),
    filters: z.array(filterSchema).max(20).optional(),
    trend: z.object({ interval: z.enum(['day', 'week', 'month']) }).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const n = d.steps.length;
    if (d.session !== undefined && d.unit !== 'session') {
      ctx.addIssue({ code: 'custom', path: ['session'], message: "session rules apply when counting by session: add \"unit\": \"session\"" });
    }
    d.exclusions?.forEach((x, i) => {
      const [a, b] = x.between;
      if (!(a < b && b <= n)) {
        ctx.addIssue({ code: 'custom', path: ['exclusions', i, 'between'], message: `between must name two steps a < b within 1..${n}` });
      }
    });
    const bd = d.breakdown;
    if (bd) {
      if (bd.type === 'column' && !(EVENT_COLUMNS as readonly string[]).includes(bd.property)) {
        ctx.addIssue({ code: 'custom', path: ['breakdown', 'property'], message: `unknown column; expected one of ${EVENT_COLUMNS.join(', ')}` });
      }
      if (bd.attributionStep !== undefined) {
        if (bd.type === 'person') {
          ctx.addIssue({ code: 'custom', path: ['breakdown', 'attributionStep'], message: 'a person property has one value per person; attributionStep applies to event and column breakdowns' });
        } else if (bd.attributionStep > n) {
          ctx.addIssue({ code: 'custom', path: ['breakdown', 'attributionStep'], message: `the funnel has ${n} steps` });
        }
      }
    }
    if (d.from !== undefined && d.to !== undefined && approximateRange(d.from, d.to)?.ordered === false) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    }
  }) satisfies z.ZodType<FunnelDefinition>;

export interface DefinitionIssue {
  /** `steps[2].filters[0].op`; empty for the definition as a whole. */
  readonly path: string;
  readonly message: string;
}

/** Zod issue paths in the dotted/bracketed form people read in API errors. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function formatIssues(error: z.ZodError): DefinitionIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function parseFunnelDefinition(
  input: unknown,
): { ok: true; definition: FunnelDefinition } | { ok: false; issues: DefinitionIssue[] } {
  const r = funnelDefinitionSchema.safeParse(input);
  return r.success ? { ok: true, definition: r.data } : { ok: false, issues: formatIssues(r.error) };
}
