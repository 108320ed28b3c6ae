/**
 * The one duration grammar of Clickpath: funnel windows, session timeouts and maximum lengths,
 * bounce thresholds, path session timeouts and live windows all read durations here
 * (docs/definitions.md, "Durations").
 *
 *   duration := part+        part := digits unit        unit := ms | s | m | h | d | w
 *
 * e.g. `90s`, `30m`, `1h30m`, `1d12h`, `7d`, `2w`, `500ms`. The parts are added up; the canonical
 * spelling (what `formatDuration` writes) puts the larger units first and each unit at most once,
 * but any order is read (older session definitions accepted `30m1h`). Units are lower case, with
 * no spaces, signs or fractions. `0m` is a duration of zero; whether zero (or any length) is
 * allowed is the caller's range. A plain number of milliseconds is accepted only where a
 * definition always accepted one (session rules, bounce thresholds): `durationOrMsSchema`.
 */
import { z } from 'zod';

export const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
export type DurationUnit = keyof typeof UNIT_MS;
/** Largest first: the order `formatDuration` writes them in. */
const UNITS_DESCENDING: readonly DurationUnit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

/** `ms` before `m`, so `500ms` is one part and not `500m` followed by garbage. */
const PART = /([0-9]+)(ms|s|m|h|d|w)/y;
/** Longer texts are refused before parsing (no definition needs one). */
const MAX_TEXT_LENGTH = 64;

/** What the error messages name as valid spellings. */
export const DURATION_SPELLINGS = 'a number followed by a unit (ms, s, m, h, d, w), parts added up: 90s, 30m, 1h30m, 1d12h, 7d or 2w';

/** A duration as a definition holds it: text, or (where allowed) a whole number of milliseconds. */
export type Duration = string | number;

/** Milliseconds of a duration text, or undefined when the text is not one. The only duration parser. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_LENGTH) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Milliseconds of a duration text or a whole, non-negative number of milliseconds; undefined otherwise. */
export function durationValueMs(value: Duration): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return parseDuration(value);
}

/** The canonical text of a whole, non-negative number of milliseconds: `5400000` → `1h30m`, `0` → `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNITS_DESCENDING) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}

/** A length for messages: whole days as days (`400d`, not `57w1d`), anything else canonically. */
function describeMs(ms: number): string {
  return ms >= UNIT_MS.d && ms % UNIT_MS.d === 0 ? `${ms / UNIT_MS.d}d` : formatDuration(ms);
}

/** Why `value` is not a duration between minMs and maxMs, or null when it is one. */
export function durationProblem(value: Duration, minMs: number, maxMs: number, numbers = false): string | null {
  const ms = typeof value === 'number' && !numbers ? undefined : durationValueMs(value);
  if (ms === undefined) {
    return `${JSON.stringify(value)} is not a duration; expected ${DURATION_SPELLINGS}${numbers ? ', or a whole number of milliseconds' : ''}`;
  }
  if (ms < minMs || ms > maxMs) return `duration must be between ${describeMs(minMs)} and ${describeMs(maxMs)}`;
  return null;
}

/**
 * zod schema: a duration text between `minMs` and `maxMs` inclusive. It stays text in the parsed
 * definition (so a parsed definition validates again unchanged and saved reports stay readable);
 * planners call `durationMs`.
 */
export function durationSchema(minMs: number, maxMs: number): z.ZodType<string> {
  return z.string().superRefine((text, ctx) => {
    const problem = durationProblem(text, minMs, maxMs);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Like `durationSchema`, also accepting a whole number of milliseconds. */
export function durationOrMsSchema(minMs: number, maxMs: number): z.ZodType<Duration> {
  return z.union([z.string(), z.number()]).superRefine((value, ctx) => {
    const problem = durationProblem(value, minMs, maxMs, true);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Milliseconds of a duration a schema already accepted; `fallbackMs` when absent. Throws on anything else. */
export function durationMs(value: Duration, fallbackMs?: number): number;
export function durationMs(value: Duration | undefined, fallbackMs: number): number;
export function durationMs(value: Duration | undefined, fallbackMs?: number): number {
  if (value === undefined) {
    if (fallbackMs === undefined) throw new Error('missing duration');
    return fallbackMs;
  }
  const ms = durationValueMs(value);
  if (ms === undefined) throw new Error(`invalid duration ${JSON.stringify(value)}; expected ${DURATION_SPELLINGS}`);
  return ms;
}
