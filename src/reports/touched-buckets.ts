/**
 * Which buckets of a report new data can have changed since the last run.
 *
 * Watermark: `loaded_at`, the time a row landed in the events table (imports and the loader
 * alike), not the event's own `timestamp`, so late events with old timestamps and re-imports are
 * seen. A run takes as its watermark the largest `loaded_at` it read, and the next run reads rows
 * loaded after it minus an overlap: an insert that began before another but committed after it
 * carries an older `loaded_at` than rows already seen, and the overlap catches it (recomputing a
 * bucket twice is harmless; missing one is not).
 *
 * Identity: analyses see `person_id` resolved through aliases at query time, so a new link
 * (an event with both an anonymous id and a user id, or an alias call) changes the person of the
 * anonymous id's older events: their buckets are touched. Definitions that read person
 * properties also depend on traits: an identify event touches every bucket of that person.
 */
import type { QueryParams, Store } from '../store/store.js';
import type { Interval } from '../analyses/shared/time-buckets.js';
import type { IdentityDependence } from './report-plan.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { NumberedParams, param, render, sql, str, TRUE, type Fragment } from '../analyses/kernel/sql.js';
import { bucketKey } from '../analyses/kernel/time-sql.js';
import { queryRows } from '../analyses/kernel/run.js';

export interface TouchedInput {
  readonly store: Store;
  readonly projectId: string;
  readonly timezone: string;
  readonly interval: Interval;
  readonly identity: IdentityDependence;
  /** Engine time text of the last watermark minus the overlap; null = everything (first run). */
  readonly since: string | null;
}

export interface Touched {
  /** Buckets holding events loaded since the watermark, or whose persons' identity changed. */
  readonly keys: number[];
  /** Largest loaded_at read (engine time text); null when no row was loaded since. */
  readonly watermark: string | null;
}

function sinceWhere(since: string | null): Fragment {
  return since === null ? TRUE : sql`loaded_at > ${param("DateTime64(3, 'UTC')", since)}`;
}

export async function touchedBuckets(input: TouchedInput): Promise<Touched> {
  const scope = new ProjectScope(input.store.database, input.projectId);
  const key = bucketKey(input.interval, sql`timestamp`, str(input.timezone));
  const rows = await queryRows<{ k: string; wm: string }>(input.store, sql`SELECT toString(${key}) AS k, toString(max(loaded_at)) AS wm FROM ${scope.table('events')}
     WHERE ${scope.guard()} AND ${sinceWhere(input.since)}
     GROUP BY k`);
  const keys = new Set(rows.map((r) => Number(r.k)));
  let watermark: string | null = null;
  for (const r of rows) if (watermark === null || r.wm > watermark) watermark = r.wm;
  // On a first run every event's bucket is already in; identity adds nothing new.
  if (input.identity !== 'none' && input.since !== null && rows.length > 0) {
    for (const k of await identityBuckets(input, scope, key)) keys.add(k);
  }
  return { keys: [...keys].sort((a, b) => a - b), watermark };
}

/**
 * Stored ids whose resolution a row loaded since the watermark may have changed: anonymous ids a
 * login links to a user, `alias` previous ids and, with traits, the persons of identify calls.
 * Column `id`.
 */
function linkedIds(scope: ProjectScope, identity: IdentityDependence, since: string | null): Fragment {
  const traits = identity === 'links-and-traits' ? sql`,
      if(type = 'identify', person_id, '')` : sql``;
  const linked = sql`[
      if(user_id != '' AND anonymous_id != '' AND anonymous_id != user_id, anonymous_id, ''),
      if(type = 'alias' AND user_id != '', properties['previousId'], '')${traits}]`;
  return sql`SELECT DISTINCT arrayJoin(arrayFilter(x -> x != '', ${linked})) AS id FROM ${scope.table('events')}
     WHERE ${scope.guard()} AND ${sinceWhere(since)}`;
}

async function identityBuckets(input: TouchedInput, scope: ProjectScope, key: Fragment): Promise<number[]> {
  // Distinct ids whose resolution a new link may have changed; with traits, also the persons
  // whose properties changed, and every distinct id already linked to them.
  const changed = linkedIds(scope, input.identity, input.since);
  const ids = input.identity === 'links-and-traits'
    ? sql`(SELECT id FROM (${changed}) UNION ALL
        SELECT distinct_id FROM ${scope.table('person_aliases')}
        WHERE ${scope.guard()} AND person_id IN (${changed}))`
    : sql`(${changed})`;
  const rows = await queryRows<{ k: string }>(input.store, sql`SELECT DISTINCT toString(${key}) AS k FROM ${scope.table('events')}
     WHERE ${scope.guard()} AND person_id IN ${ids}`);
  return rows.map((r) => Number(r.k));
}

/**
 * The persons whose numbers rows loaded since the watermark can have changed: SQL with columns
 * `person_id` and `day`, and the parameters it binds (`tpN`, so a caller may add its own):
 *  - the persons the new rows resolve to now, with the local day of each of their new rows;
 *  - for every id a new row links (see linkedIds): the person it resolves to now, and every
 *    person it resolved to before, which is the id itself or a person it was linked to earlier
 *    (person_alias_links: person_aliases itself forgets older links once its parts merge);
 *    their day is 1970-01-01, meaning any day, since their events on every day changed hands.
 * Every other person's events, and the person they resolve to, are as they were.
 */
export function touchedPersons(db: string, projectId: string, timezone: string, identity: IdentityDependence, since: string): { persons: string; params: QueryParams } {
  const scope = new ProjectScope(db, projectId);
  const linked = identity === 'none' ? null : linkedIds(scope, identity, since);
  const loaded = sql`SELECT DISTINCT person_id AS id, toDate(timestamp, ${str(timezone)}) AS day FROM ${scope.table('events')}
    WHERE ${scope.guard()} AND ${sinceWhere(since)}`;
  const anyDay = sql`toDate(0)`;
  const resolved = (ids: Fragment) => sql`SELECT person_id, day FROM (${scope.resolveIds(ids)})`;
  const persons = linked === null ? resolved(loaded) : sql`${resolved(sql`${loaded} UNION ALL SELECT id, ${anyDay} AS day FROM (${linked})`)}
    UNION ALL SELECT id AS person_id, ${anyDay} AS day FROM (${linked})
    UNION ALL SELECT person_id, ${anyDay} AS day FROM ${scope.table('person_alias_links')}
      WHERE ${scope.guard()} AND distinct_id IN (SELECT id FROM (${linked}))`;
  // Text, not a fragment: the sessions state (person-day-state.ts) splices it into its own SQL.
  const sink = new NumberedParams('tp');
  return { persons: render(persons, sink), params: sink.with() };
}
