/**
 * Scheduled top-list snapshots with an injected clock: one per slot, none twice in a slot (also
 * after a restart), stored with ranks and the second event, reported by the history endpoint;
 * schedules managed over HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendBatch, startLiveApp, type LiveTestApp, type SentEvent } from './live-test-kit.js';
import { TopSnapshots, type SnapshotSpec } from '../../src/live/top-snapshots.js';
import { topItems } from '../../src/live/live-queries.js';
import { HOUR_MS, MINUTE_MS } from '../../src/live/live-window.js';

const EVERY = 4 * HOUR_MS;
// A clock an hour into the current 4-hour slot; events sit just before it (at most 4 h ahead of
// real time, which ingest accepts).
const SLOT = Math.floor(Date.now() / EVERY) * EVERY;
let clock = SLOT + HOUR_MS;

let app: LiveTestApp;
before(async () => {
  app = await startLiveApp();
  const e = (i: number, event: string, article: string): SentEvent => ({
    event, userId: `u${i}`, messageId: `s${i}`, timestamp: clock - (i + 1) * MINUTE_MS, properties: { article_id: article },
  });
  await sendBatch(app, app.project.writeKey, [
    e(1, 'detailsView', 'x'), e(2, 'detailsView', 'x'), e(3, 'detailsView', 'y'), e(4, 'detailsView', 'w'),
    e(5, 'transaction_item', 'y'),
  ]);
  await app.loaded();
});
after(async () => app.close());

const spec: SnapshotSpec = { event: 'detailsView', key: 'article_id', windowMs: 4 * HOUR_MS, limit: 2, everyMs: EVERY, second: 'transaction_item' };

function scheduler(): TopSnapshots {
  return new TopSnapshots({
    store: app.app.store,
    projects: () => [app.project.projectId],
    takeTop: (projectId, s, end) => topItems(app.live.reader, projectId, s, end),
    now: () => clock,
    defaults: [spec],
  });
}

test('one snapshot per slot, also across a restart, each with ranks and the second event', async () => {
  const snapshots = scheduler();
  assert.equal(await snapshots.runDue(), 1);
  assert.equal(await snapshots.runDue(), 0, 'same slot');
  clock = SLOT + 3 * HOUR_MS;
  assert.equal(await snapshots.runDue(), 0, 'later in the same slot');
  assert.equal(await scheduler().runDue(), 0, 'a restarted scheduler finds the slot taken in the history');
  clock = SLOT + EVERY + 1;
  assert.equal(await snapshots.runDue(), 1, 'next slot');

  const until = new Date(SLOT + 2 * EVERY).toISOString();
  const res = await app.get(`/v1/live/top/history?event=detailsView&key=article_id&to=${until}`, app.bearer());
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const list = res.json.snapshots as Array<{ takenAt: string; items: unknown[] }>;
  assert.deepEqual(list.map((s) => s.takenAt), [new Date(SLOT + HOUR_MS).toISOString(), new Date(SLOT + EVERY + 1).toISOString()]);
  assert.deepEqual(list[0]!.items, [
    { rank: 1, value: 'x', count: 2, secondCount: 0 },
    { rank: 2, value: 'w', count: 1, secondCount: 0 },
  ]);
  // The second window, (slot + 1 ms, next slot + 1 ms], still holds every event: same list.
  assert.deepEqual(list[1]!.items, list[0]!.items);
  const narrow = await app.get(`/v1/live/top/history?event=detailsView&key=article_id&from=${new Date(SLOT + 2 * HOUR_MS).toISOString()}&to=${until}`, app.bearer());
  assert.equal((narrow.json.snapshots as unknown[]).length, 1);
});

test('schedules over HTTP: create, list, take one now, remove', async () => {
  const key = app.bearer();
  const put = await app.put('/v1/live/top/schedules', { event: 'transaction_item', key: 'article_id', window: '1h', limit: 5, every: '30m' }, key);
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const listed = await app.get('/v1/live/top/schedules', key);
  assert.deepEqual(listed.json.schedules, [{ event: 'transaction_item', key: 'article_id', windowMs: HOUR_MS, limit: 5, everyMs: 30 * MINUTE_MS, second: null }]);
  const taken = await app.post('/v1/live/top/snapshots', { event: 'transaction_item', key: 'article_id' }, key);
  assert.equal(taken.status, 200, JSON.stringify(taken.json));
  assert.equal(typeof taken.json.items, 'number');
  const bad = await app.put('/v1/live/top/schedules', { event: 'transaction_item', key: 'article_id', every: '10s' }, key);
  assert.equal(bad.status, 400);
  assert.equal((await app.delete('/v1/live/top/schedules?event=transaction_item&key=article_id', key)).status, 200);
  assert.deepEqual((await app.get('/v1/live/top/schedules', key)).json.schedules, []);
  assert.equal((await app.delete('/v1/live/top/schedules?event=transaction_item&key=article_id', key)).status, 404);
  assert.equal((await app.get('/v1/live/top/schedules', app.liveKey())).status, 403);
});
