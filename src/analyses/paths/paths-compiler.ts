/**
 * SQL for paths: per person, events in time order (equal timestamps by event id text) are cut
 * into sessions where a gap exceeds the timeout; the first start event of each session anchors a
 * path of the next (or previous) `steps` events of that session. Rows are distinct paths with
 * their counts, most common first.
 *
 * Each person's events come from the person timeline when it carries every column the filters
 * read (timeline-parts.ts: one in-order GROUP BY for persons no identity link touches, a hash
 * GROUP BY for the others), else from the events table grouped by hashing every person.
 */
import { ProjectScope } from '../kernel/scope.js';
import { and, compile, int64, sql, str, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { timeRange } from '../kernel/time-sql.js';
import { ACTIVITY } from '../shared/activity.js';
import { durationMs } from '../shared/duration.js';
import { compileFilters } from '../shared/filters.js';
import type { TimeRange } from '../shared/time-range.js';
import { eachPart, IN_ORDER, msRange, timelineParts, timelineServesFilters, type RowSource } from '../timeline-parts.js';
import type { PathsDefinition } from './definition.js';

export interface PathsQueryInput {
  readonly database: string;
  readonly projectId: string;
  readonly definition: PathsDefinition;
  readonly range: TimeRange;
  /** Force a source; by default the timeline when it carries what the filters read (`pathsSource`). */
  readonly source?: RowSource;
  /** false when the caller has seen that the project has no identity links; default true. */
  readonly aliases?: boolean;
}

/** The source a definition reads by default. */
export function pathsSource(def: PathsDefinition): RowSource {
  return timelineServesFilters(def.filters) ? 'timeline' : 'events';
}

/** Rows `{ path, n }`; `path` starts with the start event. */
export function compilePaths(input: PathsQueryInput): CompiledSql {
  return compile(pathsFragment(input));
}

export function pathsFragment(input: PathsQueryInput): Fragment {
  const { definition: def, range } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const start = str(def.startEvent);
  const steps = int64(def.steps);
  const timeout = int64(durationMs(def.sessionTimeout));

  // Only events of the anchor's session: sessions are contiguous, so others can only sit at the
  // far end of the slice.
  const slice = def.direction === 'next'
    ? sql`arrayFilter((nm, s) -> s = sess[a], arraySlice(names, a + 1, ${steps}), arraySlice(sess, a + 1, ${steps}))`
    : sql`arrayReverse(arrayFilter((nm, s) -> s = sess[a],
         arraySlice(names, greatest(1, a - ${steps}), a - greatest(1, a - ${steps})),
         arraySlice(sess, greatest(1, a - ${steps}), a - greatest(1, a - ${steps}))))`;

  // One row per person: the anchors (positions of session-first start events) over the person's
  // events in order. `time` is the event's epoch ms, `who` the GROUP BY key.
  const perPerson = (from: Fragment, time: Fragment, who: Fragment) => sql`SELECT
          arraySort(x -> (x.1, x.2), groupArray((${time}, toString(event_id), event))) AS evs,
          arrayMap(x -> x.1, evs) AS ts,
          arrayMap(x -> x.3, evs) AS names,
          arrayCumSum(arrayMap(i -> toUInt32(i = 1 OR ts[i] - ts[i - 1] > ${timeout}), arrayEnumerate(ts))) AS sess,
          arrayMap(i -> toInt64(i), arrayFilter(i -> names[i] = ${start}, arrayEnumerate(names))) AS hits,
          arrayFilter((i, j) -> j = 0 OR sess[j] != sess[i], hits, arrayPopBack(arrayPushFront(hits, 0))) AS anchors
        FROM ${from} AS ev
        WHERE ${filters.personWhere}
        GROUP BY ${who}`;

  const onTimeline = (input.source ?? pathsSource(def)) === 'timeline';
  const persons = onTimeline
    ? eachPart(
        timelineParts(scope, and([ACTIVITY, msRange(range.fromMs, range.toMs), filters.eventWhere]), input.aliases ?? true),
        (part) => perPerson(part, sql`t`, sql`person`),
      )
    : perPerson(
        scope.events({ where: and([ACTIVITY, timeRange(range.fromMs, range.toMs), filters.eventWhere]) }),
        sql`toUnixTimestamp64Milli(timestamp)`,
        sql`person_id`,
      );

  return sql`SELECT path, toUInt32(count()) AS n FROM (
      SELECT arrayConcat([names[a]], ${slice}) AS path
      FROM (
        ${persons}
      ) ARRAY JOIN anchors AS a
    ) GROUP BY path ORDER BY n DESC, path ASC${onTimeline ? sql`
    ${IN_ORDER}` : sql``}`;
}
