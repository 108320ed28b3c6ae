/**
 * SQL for retention: each person's first cohort event (ever, among filtered events) decides the
 * cohort; their return events' bucket keys, minus the cohort's, are the periods they came back in.
 * One row per (cohort, period) with the number of persons.
 */
import { resolvedEvents, type SqlFragment } from '../event-source.js';
import { ACTIVITY_SQL } from '../shared/activity.js';
import { compileFilters } from '../shared/filters.js';
import { SqlParams, instantSql, timeRangeSql } from '../shared/sql-params.js';
import { bucketKeyOf, bucketKeySql, bucketStartMs } from '../shared/time-buckets.js';
import type { TimeRange } from '../shared/time-range.js';
import type { RetentionDefinition } from './definition.js';

export interface RetentionQueryInput {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  readonly definition: RetentionDefinition;
  readonly range: TimeRange;
}

/** Rows `{ c, k, n }`: cohort bucket key, period (0 = cohort size), persons. */
export function compileRetention(input: RetentionQueryInput): SqlFragment {
  const { database, projectId, definition: def, range, timezone } = input;
  const params = new SqlParams();
  const filters = compileFilters(def.filters, params, database);
  const tz = params.bind('String', timezone);
  const key = (ts: string): string => bucketKeySql(def.interval, ts, tz);
  const eventIs = (name: string | undefined): string[] =>
    name === undefined ? [] : [`event = ${params.bind('String', name)}`];
  const withFilters = (conds: string[]): string =>
    [ACTIVITY_SQL, ...conds, ...(filters.eventWhere ? [filters.eventWhere] : [])].join(' AND ');

  // A first occurrence inside [from, to) is the minimum of the occurrences before `to`.
  const cohortSrc = resolvedEvents(database, projectId, withFilters([
    timeRangeSql(params, null, range.toMs),
    ...eventIs(def.cohortEvent),
  ]));
  // Returns can only count in buckets after the first cohort bucket and up to `periods` after the
  // last one, which bounds the scan.
  const lastCohort = bucketKeyOf(range.toMs - 1, def.interval, timezone);
  const returnEnd = bucketStartMs(lastCohort + def.periods + 1, def.interval, timezone);
  const returnSrc = resolvedEvents(database, projectId, withFilters([
    timeRangeSql(params, range.fromMs, returnEnd),
    ...eventIs(def.returnEvent),
  ]));
  const personWhere = filters.personWhere || '1';
  const periods = params.bind('Int64', def.periods);

  const sql = `SELECT c, k, toUInt32(count()) AS n FROM (
      SELECT f.c AS c,
        arrayJoin(arrayConcat([0], arrayFilter(d -> d >= 1 AND d <= ${periods}, arrayMap(x -> x - f.c, r.keys)))) AS k
      FROM (
        SELECT person_id, ${key('first_ts')} AS c FROM (
          SELECT person_id, min(timestamp) AS first_ts FROM ${cohortSrc.sql} AS ev
          WHERE ${personWhere} GROUP BY person_id
        ) WHERE first_ts >= ${instantSql(params, range.fromMs)}
      ) AS f
      LEFT ANY JOIN (
        SELECT person_id, groupUniqArray(${key('timestamp')}) AS keys FROM ${returnSrc.sql} AS ev
        WHERE ${personWhere} GROUP BY person_id
      ) AS r ON r.person_id = f.person_id
    ) GROUP BY c, k`;
  return { sql, params: params.merged(cohortSrc.params) };
}
