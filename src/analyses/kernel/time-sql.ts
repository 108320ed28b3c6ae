/**
 * Time in SQL: instants from bound epoch milliseconds, half-open ranges, and bucket keys in a
 * project's zone. The reference implementations compute the same keys in `shared/time-buckets.ts`.
 */
import type { Interval } from '../shared/time-buckets.js';
import { int64, sql, TRUE, type Fragment, type Param } from './sql.js';

/** A DateTime64(3, 'UTC') from bound epoch milliseconds. */
export function instant(ms: number): Fragment {
  return sql`fromUnixTimestamp64Milli(${int64(ms)}, 'UTC')`;
}

/** The events' own `timestamp` column. */
export const TIMESTAMP = sql`timestamp`;

/**
 * `column` in [fromMs, toMs) (a null bound is open), repeated on the UTC day, which is what the
 * events table's sort key holds: the engine does not narrow `toDate(timestamp)` from bounds on a
 * DateTime64, so without the day conditions a one-day query reads every granule of the month's
 * parts (measured: 295 ms → 22 ms for two days of 100M events).
 */
export function timeRange(fromMs: number | null, toMs: number | null, column: Fragment = TIMESTAMP): Fragment {
  const conds: Fragment[] = [];
  if (fromMs !== null) {
    const from = instant(fromMs);
    conds.push(sql`${column} >= ${from}`, sql`toDate(${column}) >= toDate(${from})`);
  }
  if (toMs !== null) {
    const to = instant(toMs);
    conds.push(sql`${column} < ${to}`, sql`toDate(${column}) <= toDate(${to})`);
  }
  return conds.length === 0 ? TRUE : joinAnd(conds);
}

// Range conditions are simple comparisons; they need no parentheses of their own.
function joinAnd(conds: readonly Fragment[]): Fragment {
  return conds.slice(1).reduce((acc, c) => sql`${acc} AND ${c}`, conds[0]!);
}

/**
 * Int64 key of the local hour, day, ISO week or month of `ts` in zone `tz` (a bound String);
 * consecutive buckets have consecutive keys (`bucketKeyOf` computes the same in JavaScript).
 */
export function bucketKey(interval: Interval, ts: Fragment, tz: Param): Fragment {
  switch (interval) {
    case 'hour':
      return sql`toInt64(toUnixTimestamp(toStartOfHour(${ts}, ${tz})))`;
    case 'day':
      return sql`toInt64(toRelativeDayNum(toDate(${ts}, ${tz})))`;
    case 'week':
      // Day 4 (1970-01-05) is a Monday, so (Monday's day number + 3) / 7 counts weeks.
      return sql`intDiv(toInt64(toRelativeDayNum(toStartOfWeek(${ts}, 1, ${tz}))) + 3, 7)`;
    case 'month':
      return sql`(toInt64(toYear(toDate(${ts}, ${tz}))) * 12 + toMonth(toDate(${ts}, ${tz})) - 1)`;
  }
}

