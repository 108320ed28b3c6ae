/**
 * Retention, computed the obvious way over an in-memory log; the engine must match it exactly.
 *
 * - Only activity (track, page, screen) passing every filter exists for this analysis.
 * - A person's cohort entry is their first `cohortEvent` (any event when omitted) ever; they are
 *   in a cohort when that instant lies in [from, to), and the cohort is its local day/week/month.
 * - Period k ≥ 1 counts the cohort's persons with at least one `returnEvent` (any event when
 *   omitted) whose bucket is exactly k buckets after the cohort's. Period 0 is the cohort size.
 * - Cells for buckets that start after now are null: they cannot be observed yet.
 */
import { isActivity } from '../shared/activity.js';
import { allFiltersMatch } from '../shared/filters.js';
import type { RefLog } from '../shared/reference-log.js';
import { bucketKeyOf } from '../shared/time-buckets.js';
import { resolveRange } from '../shared/time-range.js';
import type { RetentionDefinition, RetentionResult } from './definition.js';
import { addCount, buildRetention, type RetentionCounts } from './retention-shape.js';

export function retentionReference(log: RefLog, def: RetentionDefinition, timeZone: string, nowMs: number): RetentionResult {
  const range = resolveRange(def.from, def.to, timeZone);
  const events = log.events.filter((e) => isActivity(e) && allFiltersMatch(def.filters, e, log));
  const isCohortEvent = (name: string) => def.cohortEvent === undefined || name === def.cohortEvent;
  const isReturnEvent = (name: string) => def.returnEvent === undefined || name === def.returnEvent;

  const firstEntry = new Map<string, number>();
  for (const e of events) {
    if (!isCohortEvent(e.event)) continue;
    const seen = firstEntry.get(e.personId);
    if (seen === undefined || e.ms < seen) firstEntry.set(e.personId, e.ms);
  }

  const perCell = new Map<string, number>(); // JSON [cohort, k] → persons
  const bump = (cohort: number, k: number) => {
    const id = JSON.stringify([cohort, k]);
    perCell.set(id, (perCell.get(id) ?? 0) + 1);
  };
  for (const [person, first] of firstEntry) {
    if (first < range.fromMs || first >= range.toMs) continue;
    const cohort = bucketKeyOf(first, def.interval, timeZone);
    bump(cohort, 0);
    const returnBuckets = new Set(
      events
        .filter((e) => e.personId === person && isReturnEvent(e.event))
        .map((e) => bucketKeyOf(e.ms, def.interval, timeZone)),
    );
    for (let k = 1; k <= def.periods; k++) {
      if (returnBuckets.has(cohort + k)) bump(cohort, k);
    }
  }
  const counts: RetentionCounts = new Map();
  for (const [id, n] of perCell) {
    const [cohort, k] = JSON.parse(id) as [number, number];
    addCount(counts, cohort, k, n);
  }
  return buildRetention(def, timeZone, range, nowMs, counts);
}
