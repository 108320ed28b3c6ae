/**
 * Counts → triangle: one row per bucket of the cohort range (empty cohorts included), null cells
 * for buckets that start after now. Shared by the engine runner and the reference.
 */
import { bucketKeyOf, bucketKeysInRange, bucketLabel, bucketStartMs } from '../shared/time-buckets.js';
import type { TimeRange } from '../shared/time-range.js';
import type { RetentionDefinition, RetentionResult } from './definition.js';

/** cohort bucket key → period k → persons (k = 0: cohort size). */
export type RetentionCounts = Map<number, Map<number, number>>;

export function addCount(counts: RetentionCounts, cohort: number, k: number, n: number): void {
  let m = counts.get(cohort);
  if (!m) counts.set(cohort, (m = new Map()));
  m.set(k, n);
}

export function buildRetention(
  def: RetentionDefinition,
  timeZone: string,
  range: TimeRange,
  nowMs: number,
  counts: RetentionCounts,
): RetentionResult {
  const keys = bucketKeysInRange(range, def.interval, timeZone);
  const known = new Set(keys);
  for (const c of counts.keys()) {
    // The engine's calendar and ours disagree; refuse rather than drop people silently.
    if (!known.has(c)) throw new Error(`cohort bucket ${c} lies outside the range's buckets`);
  }
  const nowKey = bucketKeyOf(nowMs, def.interval, timeZone);
  return {
    interval: def.interval,
    periods: def.periods,
    timezone: timeZone,
    cohorts: keys.map((c) => {
      const m = counts.get(c);
      const size = m?.get(0) ?? 0;
      const values = Array.from({ length: def.periods + 1 }, (_, k) => (c + k > nowKey ? null : (m?.get(k) ?? 0)));
      return {
        cohort: bucketLabel(c, def.interval, timeZone),
        start: new Date(bucketStartMs(c, def.interval, timeZone)).toISOString(),
        size,
        values,
        rates: values.map((v) => (v === null || size === 0 ? null : v / size)),
      };
    }),
  };
}
