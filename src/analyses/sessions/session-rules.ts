/**
 * The sessionization rules shared by the sessions and engagement analyses, and the date range
 * both take: schema fragments, defaults, and the span of events a query has to read.
 */
import { z } from 'zod';
import { durationMs, durationOrMsSchema } from '../shared/duration.js';
import { approximateRange, optionalRange, timeInputSchema } from '../shared/time-range.js';
import { addDays, localDate } from './local-date.js';

export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_MAX_LENGTH_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;
/** Longest session timeout, maximum length or bounce threshold; keeps every derived millisecond value far below 2^53. */
export const MAX_SESSION_DURATION_MS = 400 * DAY_MS;

export const sessionRulesShape = {
  /** A gap longer than this ends the session (a gap exactly this long does not). Default 30m. */
  timeout: durationOrMsSchema(1, MAX_SESSION_DURATION_MS).optional(),
  /** Sessions are cut into windows of this length from their first event. Default 24h. */
  maxLength: durationOrMsSchema(1, MAX_SESSION_DURATION_MS).optional(),
  /** Start a new session when the local calendar date changes. Default false. */
  splitAtMidnight: z.boolean().optional(),
  /** Start a new session when the traffic source (channel, utm_campaign) changes. Default false. */
  splitOnChannelChange: z.boolean().optional(),
  /** Sessions starting at or after this (a date: its start in the project zone); shared grammar. */
  from: timeInputSchema.optional(),
  /** Sessions starting before this (a date: inclusive, up to the end of that day). */
  to: timeInputSchema.optional(),
};

export interface SessionRulesInput {
  readonly timeout?: string | number | undefined;
  readonly maxLength?: string | number | undefined;
  readonly splitAtMidnight?: boolean | undefined;
  readonly splitOnChannelChange?: boolean | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** The rules with defaults applied, durations in milliseconds. */
export interface SessionRules {
  readonly timeoutMs: number;
  readonly maxLengthMs: number;
  readonly splitAtMidnight: boolean;
  readonly splitOnChannelChange: boolean;
  /**
   * `from`/`to` texts as given; null = unbounded. Kept as text because they are read in the
   * project zone, which the compiler and the reference know and the plan does not: `sessionRange`.
   */
  readonly from: string | null;
  readonly to: string | null;
}

export function sessionRules(input: SessionRulesInput): SessionRules {
  return {
    timeoutMs: durationMs(input.timeout, DEFAULT_TIMEOUT_MS),
    maxLengthMs: durationMs(input.maxLength, DEFAULT_MAX_LENGTH_MS),
    splitAtMidnight: input.splitAtMidnight ?? false,
    splitOnChannelChange: input.splitOnChannelChange ?? false,
    from: input.from ?? null,
    to: input.to ?? null,
  };
}

export function checkRange(input: SessionRulesInput, ctx: z.RefinementCtx): void {
  if (input.from !== undefined && input.to !== undefined && approximateRange(input.from, input.to)?.ordered === false) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: '"to" must not be before "from"' });
  }
}

/** The half-open range of session starts (engagement: view times), as trends reads events. */
export function sessionRange(rules: SessionRules, timezone: string): { fromMs: number | null; toMs: number | null } {
  return optionalRange(rules.from ?? undefined, rules.to ?? undefined, timezone);
}

/**
 * Local dates of the events a query reads: the reported range widened by enough days that every
 * session starting inside it is complete, and the sessions before it are seen as far back as a
 * session can last. With midnight splits no session crosses a date, so no widening is needed.
 */
export function eventDays(rules: SessionRules, timezone: string): { from: string | null; to: string | null } {
  const pad = rules.splitAtMidnight ? 0 : Math.ceil(rules.maxLengthMs / DAY_MS) + 1;
  const r = sessionRange(rules, timezone);
  return {
    from: r.fromMs === null ? null : addDays(localDate(r.fromMs, timezone), -pad),
    to: r.toMs === null ? null : addDays(localDate(r.toMs - 1, timezone), pad),
  };
}
