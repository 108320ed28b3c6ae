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
import { bucketKeySql, type Interval } from '../analyses/shared/time-buckets.js';
import type { IdentityDependence } from './report-plan.js';
import { resolveIdsSql } from '../analyses/event-source.js';

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

function sinceWhere(since: string | null, params: Record<string, string>, column = 'loaded_at'): string {
  if (since === null) return '1';
  params.since = since;
  return `${column} > {since:DateTime64(3, 'UTC')}`;
}

export async function touchedBuckets(input: TouchedInput): Promise<Touched> {
  const db = input.store.database;
  const params: Record<string, string> = { project: input.projectId, tz: input.timezone };
  const key = bucketKeySql(input.interval, 'timestamp', '{tz:String}');
  const rows = await input.store.query<{ k: string; wm: string }>(
    `SELECT toString(${key}) AS k, toString(max(loaded_at)) AS wm FROM ${db}.events
     WHERE project_id = {project:String} AND ${sinceWhere(input.since, params)}
     GROUP BY k`,
    params as QueryParams,
  );
  const keys = new Set(rows.map((r) => Number(r.k)));
  let watermark: string | null = null;
  for (const r of rows) if (watermark === null || r.wm > watermark) watermark = r.wm;
  // On a first run every event's bucket is already in; identity adds nothing new.
  if (input.identity !== 'none' && input.since !== null && rows.length > 0) {
    for (const k of await identityBuckets(input, key, params)) keys.add(k);
  }
  return { keys: [...keys].sort((a, b) => a - b), watermark };
}

/**
 * Stored ids whose resolution a row loaded since the watermark may have changed: anonymous ids a
 * login links to a user, `alias` previous ids and, with traits, the persons of identify calls.
 * Column `id`; bound parameters `project` and `since`.
 */
function linkedIdsSql(db: string, identity: IdentityDependence, since: string | null, params: Record<string, string>): string {
  const linked = `[
      if(user_id != '' AND anonymous_id != '' AND anonymous_id != user_id, anonymous_id, ''),
      if(type = 'alias' AND user_id != '', properties['previousId'], '')${identity === 'links-and-traits' ? `,
      if(type = 'identify', person_id, '')` : ''}]`;
  return `SELECT DISTINCT arrayJoin(arrayFilter(x -> x != '', ${linked})) AS id FROM ${db}.events
     WHERE project_id = {project:String} AND ${sinceWhere(since, params)}`;
}

async function identityBuckets(input: TouchedInput, key: string, params: Record<string, string>): Promise<number[]> {
  const db = input.store.database;
  // Distinct ids whose resolution a new link may have changed; with traits, also the persons
  // whose properties changed, and every distinct id already linked to them.
  const changed = linkedIdsSql(db, input.identity, input.since, params);
  const ids = input.identity === 'links-and-traits'
    ? `(SELECT id FROM (${changed}) UNION ALL
        SELECT distinct_id FROM ${db}.person_aliases
        WHERE project_id = {project:String} AND person_id IN (${changed}))`
    : `(${changed})`;
  const rows = await input.store.query<{ k: string }>(
    `SELECT DISTINCT toString(${key}) AS k FROM ${db}.events
     WHERE project_id = {project:String} AND person_id IN ${ids}`,
    params as QueryParams,
  );
  return rows.map((r) => Number(r.k));
}

/**
 * The persons whose numbers rows loaded since the watermark can have changed: SQL with columns
 * `person_id` and `day`, over bound parameters `project`, `tz` and `since` (in `params`):
 *  - the persons the new rows resolve to now, with the local day of each of their new rows;
 *  - for every id a new row links (see linkedIdsSql): the person it resolves to now, and every
 *    person it resolved to before, which is the id itself or a person it was linked to earlier
 *    (person_alias_links: person_aliases itself forgets older links once its parts merge);
 *    their day is 1970-01-01, meaning any day, since their events on every day changed hands.
 * Every other person's events, and the person they resolve to, are as they were.
 */
export function touchedPersons(db: string, identity: IdentityDependence, since: string): { persons: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const linked = identity === 'none' ? null : linkedIdsSql(db, identity, since, params);
  const loaded = `SELECT DISTINCT person_id AS id, toDate(timestamp, {tz:String}) AS day FROM ${db}.events
    WHERE project_id = {project:String} AND ${sinceWhere(since, params)}`;
  const anyDay = 'toDate(0)';
  const resolved = (ids: string) => `SELECT person_id, day FROM (${resolveIdsSql(db, ids)})`;
  const persons = linked === null ? resolved(loaded) : `${resolved(`${loaded} UNION ALL SELECT id, ${anyDay} AS day FROM (${linked})`)}
    UNION ALL SELECT id AS person_id, ${anyDay} AS day FROM (${linked})
    UNION ALL SELECT person_id, ${anyDay} AS day FROM ${db}.person_alias_links
      WHERE project_id = {project:String} AND distinct_id IN (SELECT id FROM (${linked}))`;
  return { persons, params };
}
