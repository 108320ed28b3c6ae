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
});
