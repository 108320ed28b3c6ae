/**
 * Late identity checks shared by the squash tests: links inserted with increasing `updated_at`
 * (so the latest inserted wins, as the reference's map does), the person each event resolves to
 * as the timeline's two parts say, and the same as the reference says.
 */
import assert from 'node:assert/strict';
import { timelineSources } from '../../src/analyses/person-timeline.js';
import { toSqlTime } from '../../src/events/event-row.js';
import type { Store } from '../../src/store/store.js';
import { T0, type AliasSpec, type EventSpec } from '../analyses/funnel/helpers.js';

let clock = 0;

/** Inserts links, each later than every link before (one second apart). */
export async function insertLinks(store: Store, project: string, links: readonly AliasSpec[]): Promise<void> {
  if (links.length === 0) return;
  const rows = links.map((a) => JSON.stringify({ project_id: project, distinct_id: a.distinct, person_id: a.person, updated_at: toSqlTime(T0 + ++clock * 1000) }));
  await store.insertJsonRows('person_aliases', rows.join('\n'));
}

/** The latest link per distinct id, in the order the reference's map reads them. */
export function effectiveLinks(links: readonly AliasSpec[]): AliasSpec[] {
  return [...new Map(links.map((a) => [a.distinct, a])).values()];
}

/** event id → person the reference gives it (one hop through the latest link). */
export function expectedPersons(events: ReadonlyArray<EventSpec & { id: string }>, links: readonly AliasSpec[]): Map<string, string> {
  const personOf = new Map(links.map((a) => [a.distinct, a.person]));
  return new Map(events.map((e) => [e.id, personOf.get(e.person) ?? e.person]));
}

/** The timeline's answer: event id → person, and which part (in order / overridden) held it. */
export async function timelinePersons(store: Store, project: string): Promise<{ persons: Map<string, string>; overridden: number; rows: number }> {
  const sources = timelineSources(store.database, '1', true);
  const parts = [sources.inOrder, sources.overridden ?? '(SELECT 1 WHERE 0)'];
  const found = new Map<string, string>();
  let rows = 0;
  let overridden = 0;
  for (const [i, part] of parts.entries()) {
    const got = await store.query<{ id: string; person_id: string; h: string }>(
      `SELECT toString(event_id) AS id, person_id, toString(person) AS h FROM ${part}`, { project },
    );
    for (const r of got) {
      // The two parts must not share an event (or a person: checked by the caller's grouping).
      assert.equal(found.has(r.id), false, `event ${r.id} read twice`);
      found.set(r.id, r.person_id);
    }
    rows += got.length;
    if (i === 1) overridden = got.length;
  }
  return { persons: found, overridden, rows };
}

/** Asserts the timeline resolves every event as the reference does, with no person in both parts. */
export async function assertTimelineExact(store: Store, project: string, events: ReadonlyArray<EventSpec & { id: string }>, links: readonly AliasSpec[]): Promise<void> {
  const want = expectedPersons(events, links);
  const got = await timelinePersons(store, project);
  assert.deepEqual(Object.fromEntries([...got.persons].sort()), Object.fromEntries([...want].sort()));
  const sources = timelineSources(store.database, '1', true);
  const shared = await store.query<{ n: number }>(
    `SELECT toUInt32(count()) AS n FROM (SELECT DISTINCT person FROM ${sources.inOrder}) WHERE person IN (SELECT person FROM ${sources.overridden})`, { project },
  );
  assert.equal(shared[0]?.n, 0, 'a person in both parts');
}

/** Timeline rows of a project and distinct events among them: equal when nothing is twice. */
export async function timelineRowCounts(store: Store, project: string): Promise<{ rows: number; events: number }> {
  const r = await store.query<{ rows: number; events: number }>(
    `SELECT toUInt32(count()) AS rows, toUInt32(uniqExact(event_id)) AS events FROM ${store.database}.person_timeline WHERE project_id = {project:String}`, { project },
  );
  return r[0]!;
}
