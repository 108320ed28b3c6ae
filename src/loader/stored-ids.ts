/**
 * Which event ids the store already holds: the loader asks before every load (an SDK retry must
 * not be stored twice) and the live tail before counting unloaded events.
 *
 * The ids are written into the statement as UUID literals instead of being bound. The embedded
 * engine's Node binding runs every statement that has bound parameters through one queue for the
 * whole process, so a lookup of thousands of ids held up every live read behind it; statements
 * without parameters run side by side. Only canonical UUID text (checked below, produced by
 * event-id.ts, never a client's string) is written this way, and the project is compared after
 * the query, so nothing a client sent reaches the SQL text. Event ids name their project (the
 * project is part of the hashed name), so looking them up across projects finds no strangers.
 */
import type { Store } from '../store/store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// 39 bytes of SQL per id: 4,000 ids stay well inside the parser's default 256 KiB statement limit.
const CHUNK = 4_000;

export interface StoredId {
  readonly project: string;
  readonly id: string;
  /** Log position of the first stored copy. */
  readonly position: number;
}

export async function storedEventIds(store: Store, ids: readonly string[]): Promise<StoredId[]> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const out: StoredId[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    for (const id of chunk) if (!UUID.test(id)) throw new Error(`not an event id: ${JSON.stringify(id.slice(0, 60))}`);
    const rows = await store.query<{ p: string; id: string; pos: number }>(
      `SELECT project_id AS p, toString(event_id) AS id, min(log_position) AS pos
       FROM ${store.database}.event_ids
       WHERE event_id IN (${chunk.map((id) => `'${id}'`).join(',')})
       GROUP BY p, id`,
    );
    for (const r of rows) out.push({ project: r.p, id: r.id, position: Number(r.pos) });
  }
  return out;
}
