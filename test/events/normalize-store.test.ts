import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempStore } from '../helpers/temp-store.js';
import { normalizeBatch } from '../../src/events/normalize.js';
import { canonicalJson } from '../../src/events/json-values.js';
import type { EventRow } from '../../src/events/event-row.js';
import type { Store } from '../../src/store/store.js';
import { segmentMessage } from './arbitraries.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

async function readBack(projectId: string): Promise<EventRow[]> {
  return store.query<EventRow>(
    `SELECT * EXCEPT (loaded_at, log_position) FROM ${store.database}.events WHERE project_id = {p:String}`,
    { p: projectId },
  );
}

const sortedCanonical = (rows: readonly unknown[]): string[] => rows.map((r) => canonicalJson(r)).sort();

test('normalized rows insert into the events table and read back identically', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(segmentMessage, { minLength: 1, maxLength: 25 }), async (items) => {
      const projectId = `roundtrip-${run++}`;
      const { rows } = normalizeBatch({ batch: items }, { projectId, receivedAt: Date.UTC(2024, 0, 10, 12) });
      fc.pre(rows.length > 0);
      await store.insertJsonRows('events', rows.map((r) => JSON.stringify(r)).join('\n'));
      assert.deepEqual(sortedCanonical(await readBack(projectId)), sortedCanonical(rows));
    }),
    { numRuns: 30 },
  );
});

test('hostile property keys are addressable through bound Map keys', async () => {
  const raw = JSON.parse('{"type":"track","event":"e","userId":"u","properties":{"it\'s":"1","a\\"b":"2","back\\\\slash":"3","new\\nline":"4","😀":"5","__proto__":"6","a.b":"7"}}');
  const { rows } = normalizeBatch({ batch: [raw] }, { projectId: 'hostile-keys', receivedAt: Date.UTC(2024, 0, 10) });
  await store.insertJsonRows('events', rows.map((r) => JSON.stringify(r)).join('\n'));
  for (const [key, value] of Object.entries(rows[0]?.properties ?? {})) {
    const got = await store.query<{ v: string }>(
      `SELECT properties[{k:String}] AS v FROM ${store.database}.events WHERE project_id = {p:String}`,
      { k: key, p: 'hostile-keys' },
    );
    assert.deepEqual(got, [{ v: value }], key);
  }
  assert.equal(Object.keys(rows[0]?.properties ?? {}).length, 7);
});
