/**
 * SQL for retention: each person's first cohort event (ever, among filtered events) decides the
 * cohort; their return events' bucket keys, minus the cohort's, are the periods they came back in.
 * One row per (cohort, period) with the number of persons.
 *
 * On the person timeline (when it carries what the filters read) one GROUP BY person, in key
 * order, finds both the first cohort event and the return buckets; on the events table the two
 * are separate hash GROUP BYs joined by person (the old path).
 */
import { ProjectScope } from '../kernel/scope.js';
import { and, compile, int64, sql, str, strings, TRUE, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { bucketKey, instant, timeRange } from '../kernel/time-sql.js';
import { ACTIVITY } from '../shared/activity.js';
import { compileFilters } from '../shared/filters.js';
import { bucketKeyOf, bucketStartMs } from '../shared/time-buckets.js';
import type { TimeRange } from '../shared/time-range.js';
import { eachPart, IN_ORDER, msRange, timelineParts, timelineServesFilters, type RowSource } from '../timeline-parts.js';
import type { RetentionDefinition } from './definition.js';

export interface RetentionQueryInput {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  readonly definition: RetentionDefinition;
  readonly range: TimeRange;
  /** Force a source; by default the timeline when it carries what the filters read (`retentionSource`). */
  readonly source?: RowSource;
  /** false when the caller has seen that the project has no identity links; default true. */
  readonly aliases?: boolean;
}

/** The source a definition reads by default. */
export function retentionSource(def: RetentionDefinition): RowSource {
  return timelineServesFilters(def.filters) ? 'timeline' : 'events';
}

/** Rows `{ c, k, n }`: cohort bucket key, period (0 = cohort size), persons. */
export function compileRetention(input: RetentionQueryInput): CompiledSql {
  return compile(retentionFragment(input));
}

export function retentionFragment(input: RetentionQueryInput): Fragment {
  return (input.source ?? retentionSource(input.definition)) === 'timeline' ? onTimeline(input) : onEvents(input);
}

/**
 * Returns can only count in buckets after the first cohort bucket and up to `periods` after the
 * last one: the end of that span bounds the scan.
 */
function returnEndMs(def: RetentionDefinition, range: TimeRange, timezone: string): number {
  const lastCohort = bucketKeyOf(range.toMs - 1, def.interval, timezone);
  return bucketStartMs(lastCohort + def.periods + 1, def.interval, timezone);
}

const eventIs = (name: string | undefined): Fragment => (name === undefined ? TRUE : sql`event = ${str(name)}`);

function onTimeline(input: RetentionQueryInput): Fragment {
  const { definition: def, range, timezone } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const tz = str(timezone);
  const key = (ms: Fragment): Fragment => bucketKey(def.interval, sql`fromUnixTimestamp64Milli(${ms}, 'UTC')`, tz);
  const returnEnd = returnEndMs(def, range, timezone);
  // Every event the cohort (before `to`, first ever) or a return (in [from, returnEnd)) can use.
  const names = def.cohortEvent !== undefined && def.returnEvent !== undefined ? sql`event IN ${strings([def.cohortEvent, def.returnEvent])}` : TRUE;
  const parts = timelineParts(scope, and([ACTIVITY, msRange(null, returnEnd), names, filters.eventWhere]), input.aliases ?? true);
  const cohort = and([sql`t < ${int64(range.toMs)}`, eventIs(def.cohortEvent)]);
  const comeBack = and([sql`t >= ${int64(range.fromMs)}`, eventIs(def.returnEvent)]);
  const periods = int64(def.periods);

  // minIf over no row is 0, a real instant: the cohort count says whether there was one.
  const persons = eachPart(parts, (part) => sql`SELECT person,
          countIf(${cohort}) AS cohort_events,
          minIf(t, ${cohort}) AS first_t,
          groupUniqArrayIf(${key(sql`t`)}, ${comeBack}) AS keys
        FROM ${part} AS ev
        WHERE ${filters.personWhere}
        GROUP BY person`);
  return sql`SELECT c, k, toUInt32(count()) AS n FROM (
      SELECT ${key(sql`first_t`)} AS c,
        arrayJoin(arrayConcat([0], arrayFilter(d -> d >= 1 AND d <= ${periods}, arrayMap(x -> x - c, keys)))) AS k
      FROM (
        ${persons}
      )
      WHERE cohort_events > 0 AND first_t >= ${int64(range.fromMs)}
    ) GROUP BY c, k
    ${IN_ORDER}`;
}

function onEvents(input: RetentionQueryInput): Fragment {
  const { definition: def, range, timezone } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const tz = str(timezone);
  const key = (ts: Fragment): Fragment => bucketKey(def.interval, ts, tz);
  const withFilters = (conds: Fragment[]): Fragment => and([ACTIVITY, ...conds, filters.eventWhere]);

  // A first occurrence inside [from, to) is the minimum of the occurrences before `to`.
  const cohortSrc = scope.events({ where: withFilters([timeRange(null, range.toMs), eventIs(def.cohortEvent)]) });
  const returnEnd = returnEndMs(def, range, timezone);
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
