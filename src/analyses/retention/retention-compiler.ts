/**
 * SQL for retention: each person's first cohort event (ever, among filtered events) decides the
 * cohort; their return events' bucket keys, minus the cohort's, are the periods they came back in.
 * One row per (cohort, period) with the number of persons.
 */
import { ProjectScope } from '../kernel/scope.js';
import { and, compile, int64, sql, str, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { bucketKey, instant, timeRange } from '../kernel/time-sql.js';
import { ACTIVITY } from '../shared/activity.js';
import { compileFilters } from '../shared/filters.js';
import { bucketKeyOf, bucketStartMs } from '../shared/time-buckets.js';
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
export function compileRetention(input: RetentionQueryInput): CompiledSql {
  return compile(retentionFragment(input));
}

export function retentionFragment(input: RetentionQueryInput): Fragment {
  const { definition: def, range, timezone } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const tz = str(timezone);
  const key = (ts: Fragment): Fragment => bucketKey(def.interval, ts, tz);
  const eventIs = (name: string | undefined): Fragment => (name === undefined ? sql`` : sql`event = ${str(name)}`);
  const withFilters = (conds: Fragment[]): Fragment => and([ACTIVITY, ...conds, filters.eventWhere]);

  // A first occurrence inside [from, to) is the minimum of the occurrences before `to`.
  const cohortSrc = scope.events({ where: withFilters([timeRange(null, range.toMs), eventIs(def.cohortEvent)]) });
  // Returns can only count in buckets after the first cohort bucket and up to `periods` after the
  // last one, which bounds the scan.
  const lastCohort = bucketKeyOf(range.toMs - 1, def.interval, timezone);
  const returnEnd = bucketStartMs(lastCohort + def.periods + 1, def.interval, timezone);
  const returnSrc = scope.events({ where: withFilters([timeRange(range.fromMs, returnEnd), eventIs(def.returnEvent)]) });
  const personWhere = filters.personWhere;
  const periods = int64(def.periods);

  return sql`SELECT c, k, toUInt32(count()) AS n FROM (
      SELECT f.c AS c,
        arrayJoin(arrayConcat([0], arrayFilter(d -> d >= 1 AND d <= ${periods}, arrayMap(x -> x - f.c, r.keys)))) AS k
      FROM (
        SELECT person_id, ${key(sql`first_ts`)} AS c FROM (
          SELECT person_id, min(timestamp) AS first_ts FROM ${cohortSrc} AS ev
          WHERE ${personWhere} GROUP BY person_id
        ) WHERE first_ts >= ${instant(range.fromMs)}
      ) AS f
      LEFT ANY JOIN (
        SELECT person_id, groupUniqArray(${key(sql`timestamp`)}) AS keys FROM ${returnSrc} AS ev
        WHERE ${personWhere} GROUP BY person_id
      ) AS r ON r.person_id = f.person_id
    ) GROUP BY c, k`;
}
