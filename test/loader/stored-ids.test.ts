import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { storedEventIds } from '../../src/loader/stored-ids.js';
import { eventIdFromMessageId } from '../../src/events/event-id.js';

const temp = await tempStore();
after(() => temp.dispose());

test('stored ids are found among many more asked for than one statement can list', async () => {
  const { store } = temp;
  const ids = (project: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => eventIdFromMessageId(project, `m-${from + i}`));
  const storedA = ids('a', 3000);
  const storedB = ids('b', 10);
  const rows = [...storedA.map((id, i) => ({ project_id: 'a', event_id: id, log_position: 100 + i })), ...storedB.map((id) => ({ project_id: 'b', event_id: id, log_position: 7 }))];
  await store.insertJsonRows('event_ids', rows.map((r) => JSON.stringify(r)).join('\n'));
  // 12,000 ids (over 400 KiB of literals): a third stored, spread across the lookup's chunks.
  const asked = [...ids('a', 9000, 3000), ...storedA, ...storedB.map((id) => id.toUpperCase())].sort();
  const found = await storedEventIds(store, asked);
  assert.equal(found.length, 3010);
  const byId = new Map(found.map((f) => [f.id, f]));
  assert.deepEqual(byId.get(storedA[42]!), { project: 'a', id: storedA[42], position: 142 });
  assert.deepEqual(byId.get(storedB[3]!), { project: 'b', id: storedB[3], position: 7 });
  assert.deepEqual(await storedEventIds(store, []), []);
});

test('anything but a canonical UUID is refused before it reaches SQL', async () => {
  await assert.rejects(storedEventIds(temp.store, ["00000000-0000-0000-0000-000000000000') OR 1=1 --"]), /not an event id/);
  await assert.rejects(storedEventIds(temp.store, ['not-a-uuid']), /not an event id/);
});
