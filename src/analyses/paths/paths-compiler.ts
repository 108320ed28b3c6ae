/**
 * SQL for paths: per person, events in time order (equal timestamps by event id text) are cut
 * into sessions where a gap exceeds the timeout; the first start event of each session anchors a
 * path of the next (or previous) `steps` events of that session. Rows are distinct paths with
 * their counts, most common first.
 */
import { ProjectScope } from '../kernel/scope.js';
import { and, compile, int64, sql, str, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { timeRange } from '../kernel/time-sql.js';
import { ACTIVITY } from '../shared/activity.js';
import { durationMs } from '../shared/duration.js';
import { compileFilters } from '../shared/filters.js';
import type { TimeRange } from '../shared/time-range.js';
import type { PathsDefinition } from './definition.js';

export interface PathsQueryInput {
  readonly database: string;
  readonly projectId: string;
  readonly definition: PathsDefinition;
  readonly range: TimeRange;
}

/** Rows `{ path, n }`; `path` starts with the start event. */
export function compilePaths(input: PathsQueryInput): CompiledSql {
  return compile(pathsFragment(input));
}

export function pathsFragment(input: PathsQueryInput): Fragment {
  const { definition: def, range } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const src = scope.events({ where: and([ACTIVITY, timeRange(range.fromMs, range.toMs), filters.eventWhere]) });
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

  return sql`SELECT path, toUInt32(count()) AS n FROM (
      SELECT arrayConcat([names[a]], ${slice}) AS path
      FROM (
        SELECT
          arraySort(x -> (x.1, x.2), groupArray((toUnixTimestamp64Milli(timestamp), toString(event_id), event))) AS evs,
          arrayMap(x -> x.1, evs) AS ts,
          arrayMap(x -> x.3, evs) AS names,
          arrayCumSum(arrayMap(i -> toUInt32(i = 1 OR ts[i] - ts[i - 1] > ${timeout}), arrayEnumerate(ts))) AS sess,
          arrayMap(i -> toInt64(i), arrayFilter(i -> names[i] = ${start}, arrayEnumerate(names))) AS hits,
          arrayFilter((i, j) -> j = 0 OR sess[j] != sess[i], hits, arrayPopBack(arrayPushFront(hits, 0))) AS anchors
        FROM ${src} AS ev
        WHERE ${filters.personWhere}
        GROUP BY person_id
      ) ARRAY JOIN anchors AS a
    ) GROUP BY path ORDER BY n DESC, path ASC`;
}
