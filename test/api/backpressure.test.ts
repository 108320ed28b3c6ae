import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { LogFullError } from '../../src/log/errors.js';

// One embedded engine per process: each test closes its app before the next starts.
let current: TestApp | undefined;
after(async () => current?.close());

test('429 with Retry-After when a project sends faster than its rate', async () => {
  const t = (current = await startTestApp({ rateLimitEventsPerSecond: 10 }));
  const batch = (n: number) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: 'r', event: `e${i}` })) });
  assert.equal((await t.post('/v1/batch', batch(10), t.basic())).status, 200);
  const limited = await t.post('/v1/batch', batch(10), t.basic());
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.match(String(limited.json.error), /rate limit/);
  await t.close();
  current = undefined;
});

test('503 with Retry-After when the log cannot accept writes, and nothing is acknowledged', async () => {
  const t = (current = await startTestApp());
  const original = t.app.log.append.bind(t.app.log);
  t.app.log.append = () => Promise.reject(new LogFullError(1, 1));
  const res = await t.post('/v1/track', { userId: 'u', event: 'e' }, t.basic());
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '1');
  t.app.log.append = original;
  assert.equal((await t.post('/v1/track', { userId: 'u', event: 'e' }, t.basic())).status, 200);
  await t.loaded();
  const rows = await t.app.store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM ${t.app.store.database}.events`);
  assert.equal(rows[0]?.n, 1);
  await t.close();
  current = undefined;
});

test('503 with Retry-After once the loader is behind the lag limit; a small project still writes; nothing acknowledged is lost', async () => {
  const t = (current = await startTestApp({ maxLagBytes: 20_000, maxLagSeconds: 0, ingestWorkers: 0 }));
  const other = await t.app.registry.create('Other project', { timezone: 'UTC' });
  const store = t.app.store;
  const insert = store.insertJsonRows.bind(store);
  let diskFull = true;
  store.insertJsonRows = (table, rows, options) => diskFull
    ? Promise.reject(new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)'))
    : insert(table, rows, options);
  const batch = (n: number, tag: string) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: 'f', event: 'flood', messageId: `${tag}-${i}` })) });
  let accepted = 0;
  let refused: Awaited<ReturnType<TestApp['post']>> | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    const res = await t.post('/v1/batch', batch(20, `b${i}`), t.basic());
    if (res.status === 200) accepted += 20;
    else refused = res;
  }
  assert.equal(refused?.status, 503);
  assert.equal(refused?.headers.get('retry-after'), '2');
  assert.match(String(refused?.json.error), /ingest is behind: \d+ bytes of accepted events are waiting to load \(limit 20000\)/);
  const small = await t.post('/v1/track', { userId: 's', event: 'sentinel', messageId: 'sentinel-1' }, t.basic(other.writeKey));
  assert.equal(small.status, 200);
  diskFull = false;
  await t.loaded();
  const rows = await store.query<{ p: string; n: number }>(
    `SELECT project_id AS p, toUInt32(count()) AS n FROM ${store.database}.events GROUP BY p ORDER BY n DESC`);
  assert.deepEqual(rows, [{ p: t.project.projectId, n: accepted }, { p: other.projectId, n: 1 }]);
  assert.equal((await t.post('/v1/batch', batch(20, 'after'), t.basic())).status, 200);
});
