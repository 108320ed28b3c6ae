/**
 * Storing one chunk (a range of rows) of a staged import, so that an import is either complete or
 * completed by the next run of the same import:
 *
 *   import start marker (once) → per chunk: quarantine rows → events (or person properties)
 *   → identity links → chunk done marker
 *
 * A chunk whose rows span more partitions than one insert may touch stores its events with one
 * statement per group of partitions (partition-groups.ts); a crash between two of them is an
 * interrupted chunk like any other, resumed below.
 *
 * Markers are rows of `event_ids` with ids derived from the import key (and the chunk's row
 * range). A chunk with a done marker is skipped on a rerun. When the import's start marker exists
 * but a chunk has no done marker, an earlier run may have stored part of it, however the rows
 * were chunked then: its events are filtered against those this import already stored (by event
 * id among the events carrying this import's context) and its bad rows against the quarantine
 * (by file, line and raw text). Every insert carries a deduplication token unique to the attempt,
 * so the engine's own deduplication never decides what is stored: it can record a token for a
 * part a crash then lost (see loader/range-stored.ts). Each statement of an attempt has its own
 * token too, so the engine can never take one statement of a chunk for a retry of another (the
 * groups of one chunk write disjoint partitions today, and the engine keys a part's token by its
 * partition, but nothing should rest on that).
 */
import { randomUUID } from 'node:crypto';
import { uuidV5 } from '../events/event-id.js';
import type { QueryParams, Store } from '../store/store.js';
import type { TypedColumn } from './import-spec.js';
import { MAPPED_SETTINGS } from './mapping-sql.js';
import { freshMarksInsertSql, timelineInsertSql } from '../store/timeline-schema.js';
import { partitionGroups, partitionUnitSql } from './partition-groups.js';
import { legacySql } from '../analyses/kernel/legacy-text.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { param, sql } from '../analyses/kernel/sql.js';
import { execute, queryRows } from '../analyses/kernel/run.js';

export interface ChunkJob {
  readonly store: Store;
  readonly projectId: string;
  readonly importKey: string;
  /** The mapped-rows subquery (mapping-sql) and its parameters. */
  readonly mapped: string;
  readonly params: QueryParams;
  readonly kind: 'events' | 'persons';
  readonly typed: readonly TypedColumn[];
  readonly receivedAtMs: number;
  readonly fileName: string;
  readonly payloadChars: number;
  /** Whether rows can carry both a user id and an anonymous id (both columns mapped). */
  readonly linksIdentities: boolean;
}

export interface ChunkRange {
  readonly lo: number;
  readonly hi: number;
}

export function chunkDoneMarker(importKey: string, range: ChunkRange): string {
  return uuidV5(`import-chunk:${importKey}:${range.lo}:${range.hi}:done`);
}

export function importStartMarker(importKey: string): string {
  return uuidV5(`import-start:${importKey}`);
}

/** Markers already stored, among the given ids. */
export async function storedMarkers(store: Store, projectId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const scope = new ProjectScope(store.database, projectId);
  const rows = await queryRows<{ id: string }>(store, sql`SELECT DISTINCT toString(event_id) AS id FROM ${scope.table('event_ids')}
     WHERE ${scope.guard()} AND event_id IN ${param('Array(UUID)', [...ids])}`);
  return new Set(rows.map((r) => r.id));
}

export async function storeMarker(store: Store, projectId: string, id: string): Promise<void> {
  const scope = new ProjectScope(store.database, projectId);
  await execute(store, sql`INSERT INTO ${scope.table('event_ids')} (project_id, event_id, log_position) VALUES (${scope.project}, ${param('UUID', id)}, 0)`);
}

/** The `context` stored with every event of one import: names the import, so its rows can be found. */
export function importContext(importKey: string): string {
  return JSON.stringify({ import: importKey });
}

/** What the check found in a chunk: rows, good rows, and (events) the partition units of its good rows. */
export interface ChunkCounts {
  readonly rows: number;
  readonly good: number;
  readonly units: readonly number[];
}

/**
 * Stores rows [lo, hi), of which `good` have no problems. `resuming` says an earlier run of this
 * import stopped before finishing. Returns how many events (or persons) this run stored and how
 * many an earlier run already had.
 */
export async function storeChunk(job: ChunkJob, range: ChunkRange, counts: ChunkCounts, resuming: boolean): Promise<{ stored: number; already: number }> {
  const { good } = counts;
  const { store } = job;
  const db = store.database;
  const attempt = randomUUID();
  const token = (what: string) => `import:${job.importKey}:${range.lo}:${range.hi}:${what}:${attempt}`;
  // The mapped rows' SQL binds the project as `{project:String}` (mapping-sql.ts), so the
  // scope's guard is written with that placeholder too.
  const scope = new ProjectScope(db, job.projectId);
  const mine = legacySql(scope.guard(), scope.project);
  const params = (what: string, extra: QueryParams = {}): QueryParams => ({
    ...job.params, ...extra, project: job.projectId, lo: range.lo, hi: range.hi, token: token(what),
  });

  if (counts.rows > good) await store.exec(
    `INSERT INTO ${db}.rejected_events (project_id, received_at, source, reason, errors, payload, payload_truncated, file, line)
     SELECT {project:String}, fromUnixTimestamp64Milli({received:Int64}, 'UTC'), 'import', problem, errors,
       substringUTF8(payload, 1, {chars:UInt64}), lengthUTF8(payload) > {chars:UInt64}, {file:String}, line_no
     FROM ${job.mapped} WHERE problem != ''${resuming ? `
       AND (line_no, substringUTF8(payload, 1, {chars:UInt64})) NOT IN (
         SELECT line, payload FROM ${db}.rejected_events WHERE ${mine} AND source = 'import' AND file = {file:String})` : ''}
     SETTINGS insert_deduplication_token = {token:String}, ${MAPPED_SETTINGS}`,
    params('rejected', { received: job.receivedAtMs, chars: job.payloadChars, file: job.fileName }),
  );

  let stored: number;
  let already = 0;
  if (job.kind === 'persons') {
    stored = good;
    if (good > 0) await store.exec(
      `INSERT INTO ${db}.person_properties (project_id, person_id, key, value, updated_at)
       SELECT {project:String}, person_id, k, v, assumeNotNull(updated_at)
       FROM ${job.mapped} ARRAY JOIN mapKeys(properties) AS k, mapValues(properties) AS v
       WHERE problem = ''
       SETTINGS insert_deduplication_token = {token:String}, ${MAPPED_SETTINGS}`,
      params('persons'),
    );
  } else {
    const context = importContext(job.importKey);
    const earlier = `SELECT event_id FROM ${db}.events WHERE ${mine} AND context = {context:String}`;
    if (resuming) {
      already = await count(store, `SELECT count() AS n FROM ${job.mapped} WHERE problem = '' AND event_id IN (${earlier})`, params('count', { context }));
    }
    stored = good - already;
    const typed = job.typed.map((t) => `, ${t}`).join('');
    // The read-back filter (resuming) is part of every statement, so rows that any statement of
    // an earlier run stored are skipped whichever group they fall in now; the groups are
    // disjoint, so one run never stores a row twice.
    if (good > already) {
      for (const [i, group] of partitionGroups(counts.units, partitionUnitSql('timestamp')).entries()) {
        await store.exec(
          `INSERT INTO ${db}.events (project_id, event_id, type, event, person_id, anonymous_id, user_id, timestamp, received_at${typed}, properties, context)
           SELECT {project:String}, event_id, 'track', event, person_id, anonymous_id, user_id, assumeNotNull(timestamp),
             fromUnixTimestamp64Milli({received:Int64}, 'UTC')${typed}, properties, {context:String}
           FROM ${job.mapped} WHERE problem = ''${group.where ? ` AND ${group.where}` : ''}${resuming ? ` AND event_id NOT IN (${earlier})` : ''}
           SETTINGS insert_deduplication_token = {token:String}, ${MAPPED_SETTINGS}`,
          params(`events:${i}`, { received: job.receivedAtMs, context, ...group.params }),
        );
      }
    }
    // The person timeline is filled by a view in the same insert, as a second part: a crash
    // between the two leaves events of this import without timeline rows, which the read-back
    // above then skips. A resumed chunk copies them (a rare, whole-project read of event ids).
    if (resuming) {
      await store.exec(
        timelineInsertSql(db, `${mine} AND context = {context:String}
          AND event_id NOT IN (SELECT event_id FROM ${db}.person_timeline WHERE ${mine})`),
        params('timeline', { context }),
      );
      await store.exec(freshMarksInsertSql(db, `${mine} AND context = {context:String}`), params('marks', { context }));
    }
    // A row with both ids links the anonymous id to the user, as the loader does for live events.
    if (job.linksIdentities && good > 0) await store.exec(
      `INSERT INTO ${db}.person_aliases (project_id, distinct_id, person_id, updated_at)
       SELECT {project:String}, anonymous_id, argMax(user_id, timestamp), max(assumeNotNull(timestamp))
       FROM ${job.mapped}
       WHERE problem = '' AND user_id != '' AND anonymous_id != '' AND anonymous_id != user_id
       GROUP BY anonymous_id
       SETTINGS insert_deduplication_token = {token:String}, ${MAPPED_SETTINGS}`,
      params('aliases'),
    );
  }
  await storeMarker(store, job.projectId, chunkDoneMarker(job.importKey, range));
  return { stored, already };
}

async function count(store: Store, sql: string, params: QueryParams): Promise<number> {
  const [r] = await store.query<{ n: string }>(`SELECT toString(n) AS n FROM (${sql}) SETTINGS ${MAPPED_SETTINGS}`, params);
  return Number(r?.n ?? 0);
}
