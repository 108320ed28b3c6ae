/**
 * `from`/`to` of a definition → a half-open UTC range [fromMs, toMs). The compilers bind these
 * numbers and the reference implementations filter with them, so both see the same instants.
 *
 * Accepted text: `2024-03-10` (a whole local day: as `from` its start, as `to` the start of the
 * next day, so `to` is inclusive), `2024-03-10T14:30`, `2024-03-10 14:30:15.250` (local wall
 * time in the project zone; a time skipped by a DST change moves forward) and the same with
 * `Z` or `+01:00` (an exact instant). A date-time `to` is exclusive. docs/definitions.md has the
 * grammar and what changed when the funnel's and the sessions' grammars were folded into this one.
 */
import { z } from 'zod';
import { dateOfDayNumber, dayNumber, daysInMonth, formatDate, localToUtc, wallMs } from './zoned-time.js';

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export interface TimeInput {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Absent for a date-only input. */
  readonly time?: { readonly hour: number; readonly minute: number; readonly second: number; readonly millisecond: number };
  /** Minutes east of UTC when the text carries `Z` or an offset. */
  readonly offsetMinutes?: number;
}

/** Parses a `from`/`to` text, or returns why it is not one. */
export function parseTimeInput(text: string): TimeInput | string {
  const m = PATTERN.exec(text);
  if (!m) return 'expected a date (2024-03-10) or date-time (2024-03-10T14:30[:00[.000]], in the project time zone, or with Z or +01:00)';
  const num = (i: number): number => Number(m[i] ?? '0');
  const [year, month, day] = [num(1), num(2), num(3)];
  if (month < 1 || month > 12) return `month ${month} is not 1..12`;
  if (day < 1 || day > daysInMonth(year, month)) {
    // The funnel once read 2024-02-30 as 2024-03-01 (Date.parse rolls over); say so instead.
    const rolled = day >= 1 && day <= 31 ? ` (rolled over it is ${formatDate(...rollDays(year, month, day))}: write that)` : '';
    return `day ${day} does not exist in ${m[1]}-${m[2]}${rolled}`;
  }
  if (m[4] === undefined) return { year, month, day };
  const time = { hour: num(4), minute: num(5), second: num(6), millisecond: Number((m[7] ?? '0').padEnd(3, '0')) };
  if (time.hour === 24 && time.minute === 0 && time.second === 0 && time.millisecond === 0) {
    // One spelling per instant; the funnel's Date.parse took 24:00, so name its replacement.
    return `24:00 is written ${formatDate(...rollDays(year, month, day + 1))}T00:00${m[8] ?? ''} (the next day's midnight)`;
  }
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return 'time of day out of range (00:00 to 23:59:59.999)';
  const zone = m[8];
  if (zone === undefined) return { year, month, day, time };
  if (zone === 'Z') return { year, month, day, time, offsetMinutes: 0 };
  const sign = zone.startsWith('-') ? -1 : 1;
  const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
  if (om > 59) return `offset ${zone} out of range (minutes 00..59)`;
  return { year, month, day, time, offsetMinutes: sign * (oh * 60 + om) };
}

/** The calendar date `day` days into the month, past its end if need be. */
function rollDays(year: number, month: number, day: number): [number, number, number] {
  const d = dateOfDayNumber(dayNumber(year, month, 1) + day - 1);
  return [d.year, d.month, d.day];
}

/** zod schema of one `from`/`to` text (kept as text; resolved later in the project zone). */
export const timeInputSchema = z.string().superRefine((text, ctx) => {
  const parsed = parseTimeInput(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** The instant of a bound; a date-only `to` denotes the start of the following day. */
export function resolveBound(input: TimeInput, role: 'from' | 'to', timeZone: string): number {
  const time = input.time ?? { hour: 0, minute: 0, second: 0, millisecond: 0 };
  const base = { year: input.year, month: input.month, day: input.day, ...time };
  if (input.time === undefined && role === 'to') {
    const next = new Date(wallMs(base) + 86_400_000);
    const nextDay = { ...base, year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
    return localToUtc(nextDay, timeZone);
  }
  if (input.offsetMinutes !== undefined) return wallMs(base) - input.offsetMinutes * 60_000;
  return localToUtc(base, timeZone);
}

export interface TimeRange {
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
}

function must(text: string): TimeInput {
  const parsed = parseTimeInput(text);
  if (typeof parsed === 'string') throw new Error(`invalid time "${text}": ${parsed}`);
  return parsed;
}

/** `resolveRange` where either bound may be absent (open). */
export function optionalRange(from: string | undefined, to: string | undefined, timeZone: string): { fromMs: number | null; toMs: number | null } {
  return {
    fromMs: from === undefined ? null : resolveBound(must(from), 'from', timeZone),
    toMs: to === undefined ? null : resolveBound(must(to), 'to', timeZone),
  };
}

/** Resolves validated `from`/`to` texts in `timeZone`. */
export function resolveRange(from: string, to: string, timeZone: string): TimeRange {
  return { fromMs: resolveBound(must(from), 'from', timeZone), toMs: resolveBound(must(to), 'to', timeZone) };
}

/**
 * Zone-independent sanity checks for a definition's range, used inside each analysis schema:
 * `from` before `to` (when both are local, or both carry offsets, so the order cannot depend on
 * the zone) and an approximate span in ms (local times read as UTC; off by at most a day).
 */
export function approximateRange(from: string, to: string): { spanMs: number; ordered: boolean | undefined } | undefined {
  const a = parseTimeInput(from);
  const b = parseTimeInput(to);
  if (typeof a === 'string' || typeof b === 'string') return undefined;
  const fromMs = resolveBound(a, 'from', 'UTC');
  const toMs = resolveBound(b, 'to', 'UTC');
  const comparable = (a.offsetMinutes === undefined) === (b.offsetMinutes === undefined);
  return { spanMs: toMs - fromMs, ordered: comparable ? fromMs < toMs : undefined };
}
