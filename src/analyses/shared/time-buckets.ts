/**
 * Calendar buckets in the project zone. Every bucket has an integer key that sorts and steps
 * like the calendar: day = local day number, week = index of the local ISO week (weeks start on
 * Monday), month = year * 12 + month - 1, hour = unix seconds of the local hour's start. The
 * engine computes keys with the SQL of `bucketKeySql`; the reference implementations compute them
 * from `Intl` with `bucketKeyOf`; labels and the list of buckets in a range come from here for both.
 */
import { z } from 'zod';
import type { TimeRange } from './time-range.js';
import { dayNumber, dateOfDayNumber, formatDate, localParts, localToUtc, wallMs, daysInMonth } from './zoned-time.js';

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];
export const intervalSchema = z.enum(INTERVALS);

const HOUR_MS = 3_600_000;

/**
 * SQL for the bucket key of a DateTime64 expression. `tz` is a bound placeholder such as
 * `{tz:String}`; `ts` is a column expression the caller generated.
 */
export function bucketKeySql(interval: Interval, ts: string, tz: string): string {
  switch (interval) {
    case 'hour':
      return `toInt64(toUnixTimestamp(toStartOfHour(${ts}, ${tz})))`;
    case 'day':
      return `toInt64(toRelativeDayNum(toDate(${ts}, ${tz})))`;
    case 'week':
      // Day 4 (1970-01-05) is a Monday, so (Monday's day number + 3) / 7 counts weeks.
      return `intDiv(toInt64(toRelativeDayNum(toStartOfWeek(${ts}, 1, ${tz}))) + 3, 7)`;
    case 'month':
      return `(toInt64(toYear(toDate(${ts}, ${tz}))) * 12 + toMonth(toDate(${ts}, ${tz})) - 1)`;
  }
}

/** The bucket key of an instant, from the local wall clock. */
export function bucketKeyOf(ms: number, interval: Interval, timeZone: string): number {
  const t = localParts(ms, timeZone);
  switch (interval) {
    case 'hour': {
      // Local hours start at a local :00, which is not a UTC :00 in zones like Asia/Kolkata.
      const intoHour = (t.minute * 60 + t.second) * 1000 + t.millisecond;
      return (ms - intoHour) / 1000;
    }
    case 'day':
      return dayNumber(t.year, t.month, t.day);
    case 'week': {
      const day = dayNumber(t.year, t.month, t.day);
      const sinceMonday = (((day + 3) % 7) + 7) % 7;
      return Math.floor((day - sinceMonday + 3) / 7);
    }
    case 'month':
      return t.year * 12 + t.month - 1;
  }
}

function firstDayOf(key: number, interval: Exclude<Interval, 'hour'>): { year: number; month: number; day: number } {
  switch (interval) {
    case 'day':
      return dateOfDayNumber(key);
    case 'week':
      return dateOfDayNumber(key * 7 - 3);
    case 'month':
      return { year: Math.floor(key / 12), month: (key % 12) + 1, day: 1 };
  }
}

/** The instant a bucket starts (local midnight of its first day, or the hour's start). */
export function bucketStartMs(key: number, interval: Interval, timeZone: string): number {
  if (interval === 'hour') return key * 1000;
  const d = firstDayOf(key, interval);
  return localToUtc({ ...d, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
}

/**
 * `2024-03-10` (first local day of the bucket) or `2024-03-10 14:00` for hours. The two local
 * 01:00 hours of a New York fall-back night share a label; their `start` instants differ.
 */
export function bucketLabel(key: number, interval: Interval, timeZone: string): string {
  if (interval === 'hour') {
    const t = localParts(key * 1000, timeZone);
    return `${formatDate(t.year, t.month, t.day)} ${String(t.hour).padStart(2, '0')}:00`;
  }
  const d = firstDayOf(key, interval);
  return formatDate(d.year, d.month, d.day);
}

export function nextBucketKey(key: number, interval: Interval, timeZone: string): number {
  if (interval !== 'hour') return key + 1;
  return bucketKeyOf(key * 1000 + HOUR_MS, 'hour', timeZone);
}

/** Keys of every bucket that overlaps the range, in order (empty for an empty range). */
export function bucketKeysInRange(range: TimeRange, interval: Interval, timeZone: string): number[] {
  if (range.fromMs >= range.toMs) return [];
  const last = bucketKeyOf(range.toMs - 1, interval, timeZone);
  const keys: number[] = [];
  for (let k = bucketKeyOf(range.fromMs, interval, timeZone); k <= last; k = nextBucketKey(k, interval, timeZone)) {
    keys.push(k);
  }
  return keys;
}

/**
 * Moves an instant back by `count` intervals of the local calendar: hours are exact hours, days
 * and weeks keep the wall-clock time, months keep the day of month (clamped to the month's end:
 * 31 March − 1 month = 29 February).
 */
export function shiftBack(ms: number, interval: Interval, count: number, timeZone: string): number {
  if (interval === 'hour') return ms - count * HOUR_MS;
  const t = localParts(ms, timeZone);
  if (interval === 'month') {
    const index = t.year * 12 + t.month - 1 - count;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    return localToUtc({ ...t, year, month, day: Math.min(t.day, daysInMonth(year, month)) }, timeZone);
  }
  const days = interval === 'week' ? 7 * count : count;
  const shifted = new Date(wallMs(t) - days * 86_400_000);
  return localToUtc(
    { ...t, year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() },
    timeZone,
  );
}

/** The comparison period: the range moved back by as many intervals as it has buckets. */
export function previousRange(range: TimeRange, interval: Interval, timeZone: string): TimeRange {
  const count = bucketKeysInRange(range, interval, timeZone).length;
  return {
    fromMs: shiftBack(range.fromMs, interval, count, timeZone),
    toMs: shiftBack(range.toMs, interval, count, timeZone),
  };
}
