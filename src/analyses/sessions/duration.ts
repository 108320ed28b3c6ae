/**
 * Durations in definitions: a whole number of milliseconds, or text like `30m`, `15m`, `24h`,
 * `1h30m`, `90s`, `500ms`, `7d`. Kept as written in the definition (saved reports stay readable)
 * and turned into milliseconds when a query is planned.
 */
import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Longest accepted duration; keeps every derived millisecond value far below 2^53. */
export const MAX_DURATION_MS = 400 * 86_400_000;

export type Duration = string | number;

/** Milliseconds of a duration, or null when the text is not a duration. */
export function durationMs(value: Duration): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (!WHOLE.test(value)) return null;
  let total = 0;
  for (const m of value.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  return Number.isSafeInteger(total) ? total : null;
}

/** A duration of at least `minMs` and at most MAX_DURATION_MS. */
export function durationSchema(minMs: number) {
  return z.union([z.string(), z.number()]).superRefine((value, ctx) => {
    const ms = durationMs(value);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as "30m", "24h", "90s", "500ms" or a number of milliseconds' });
    } else if (ms < minMs || ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `duration must be between ${minMs} ms and 400 days` });
    }
  });
}

/** For values already validated by `durationSchema`. */
export function requireDurationMs(value: Duration | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = durationMs(value);
  if (ms === null) throw new Error(`invalid duration ${JSON.stringify(value)}`);
  return ms;
}
