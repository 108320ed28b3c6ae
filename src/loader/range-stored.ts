/**
 * What an interrupted attempt at loading a log range already stored, read from the tables
 * themselves.
 *
 * A retry must not trust the engine's insert deduplication for this. A non-replicated MergeTree
 * records a block's deduplication id before it commits the block's part; a process killed
 * between the two leaves the id recorded and the part gone. The same token on the retry would
 * then be dropped as a duplicate, and acknowledged events would vanish. So a retry looks
 * at which rows of the range are really there and inserts the others under a new token.
 */
import type { Store } from '../store/store.js';
import type { RejectedRow } from '../events/event-row.js';
import { freshMarksInsertSql, timelineInsertSql } from '../store/timeline-schema.js';

export interface RangeRow {
  readonly project: string;
  readonly id: string;
  /** The row's JSON text, as the loader inserts it. */
  readonly row: string;
}

/** `project \0 event id` of the events with a log position in [from, to) already stored. */
export async function eventsStoredInRange(store: Store, rows: readonly RangeRow[], from: number, to: number): Promise<Set<string>> {
  const stored = new Set<string>();
  if (rows.length === 0) return stored;
  const projects = [...new Set(rows.map((r) => r.project))];
  // The day of each row narrows the scan to the primary-key ranges the rows went to.
  const days = [...new Set(rows.map((r) => dayOf(r.row)))];
  const found = await store.query<{ p: string; id: string }>(
    `SELECT project_id AS p, toString(event_id) AS id FROM ${store.database}.events
     WHERE project_id IN {projects:Array(String)} AND toDate(timestamp) IN {days:Array(Date)}
       AND log_position >= {from:UInt64} AND log_position < {to:UInt64}`,
    { projects, days, from: String(from), to: String(to) },
  );
  for (const f of found) stored.add(`${f.p}\u0000${f.id}`);
  return stored;
}

/**
 * Log positions in [from, to) whose rejected items are already in the quarantine table. A
 * record's items share their project and receipt time, so they land in one part together.
 */
export async function rejectsStoredInRange(store: Store, rejected: readonly RejectedRow[], from: number, to: number): Promise<Set<number>> {
  if (rejected.length === 0) return new Set();
  const times = rejected.map((r) => r.received_at).sort();
  const found = await store.query<{ pos: string | number }>(
    `SELECT DISTINCT log_position AS pos FROM ${store.database}.rejected_events
     WHERE project_id IN {projects:Array(String)} AND source != 'loader'
       AND received_at BETWEEN {first:DateTime64(3, 'UTC')} AND {last:DateTime64(3, 'UTC')}
       AND log_position >= {from:UInt64} AND log_position < {to:UInt64}`,
    { projects: [...new Set(rejected.map((r) => r.project_id))], first: times[0]!, last: times[times.length - 1]!, from: String(from), to: String(to) },
  );
  return new Set(found.map((f) => Number(f.pos)));
}

/**
 * `refusals` without the ones an interrupted attempt already quarantined. The loader's refusals
 * are keyed by (log position, table, row index in its record): the same rows are refused again
 * on every attempt, with the same keys.
 */
export async function withoutStoredRefusals(store: Store, refusals: readonly RejectedRow[], from: number, to: number): Promise<RejectedRow[]> {
  if (refusals.length === 0) return [];
  const found = await store.query<{ k: string }>(
    `SELECT concat(toString(log_position), ':', file, ':', toString(line)) AS k FROM ${store.database}.rejected_events
     WHERE project_id IN {projects:Array(String)} AND source = 'loader'
       AND log_position >= {from:UInt64} AND log_position < {to:UInt64}`,
    { projects: [...new Set(refusals.map((r) => r.project_id))], from: String(from), to: String(to) },
  );
  if (found.length === 0) return [...refusals];
  const keys = new Set(found.map((f) => f.k));
  return refusals.filter((r) => !keys.has(`${r.log_position ?? 0}:${r.file ?? ''}:${r.line ?? 0}`));
}

function dayOf(row: string): string {
  const timestamp = (JSON.parse(row) as { timestamp?: unknown }).timestamp;
  if (typeof timestamp !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(timestamp)) {
    throw new Error(`log row without a valid timestamp: ${row.slice(0, 120)}`);
  }
  return timestamp.slice(0, 10);
}

/**
 * Copies into the person timeline the events of [from, to) that are stored but have no timeline
 * row. The view fills the timeline in the same insert as `events`, but as a second part written
 * after the first: a process killed between the two leaves events the timeline lacks, and a
 * retry skips those events as stored. Cheap: both sides are read by log position (the timeline
 * has a minmax index on it; `events` is narrowed to the range's projects and days).
 */
export async function repairTimelineInRange(store: Store, rows: readonly RangeRow[], from: number, to: number): Promise<void> {
  if (rows.length === 0) return;
  const range = `log_position >= {from:UInt64} AND log_position < {to:UInt64}`;
  const inRange = `project_id IN {projects:Array(String)} AND toDate(timestamp) IN {days:Array(Date)} AND ${range}`;
  const params = { projects: [...new Set(rows.map((r) => r.project))], days: [...new Set(rows.map((r) => dayOf(r.row)))], from: String(from), to: String(to) };
  await store.exec(
    timelineInsertSql(store.database, `${inRange}
      AND (project_id, event_id) NOT IN (SELECT project_id, event_id FROM ${store.database}.person_timeline WHERE ${range})`),
    params,
  );
  await store.exec(freshMarksInsertSql(store.database, inRange), params);
}
