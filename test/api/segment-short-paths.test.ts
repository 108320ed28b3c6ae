/** The paths analytics.js (@segment/analytics-next) posts to, with its text/plain bodies and the key in the body. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('/v1/t, /v1/p, /v1/s, /v1/i, /v1/g, /v1/a and /v1/b store what the long paths store', async () => {
  const writeKey = t.project.writeKey;
  const plain = { 'content-type': 'text/plain' };
  const calls: Array<[string, Record<string, unknown>]> = [
    ['/v1/t', { event: 'Tick', anonymousId: 'a1', properties: { n: 1 } }],
    ['/v1/p', { name: 'Home', anonymousId: 'a1', properties: { url: 'https://s.test/' } }],
    ['/v1/s', { name: 'Map', anonymousId: 'a1' }],
    ['/v1/i', { userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' } }],
    ['/v1/g', { userId: 'u1', groupId: 'acme' }],
    ['/v1/a', { userId: 'u1', previousId: 'old' }],
    ['/v1/b', { batch: [{ type: 'track', event: 'Tick', userId: 'u1', properties: { n: 2 } }, { type: 'track', event: 'Tick', userId: 'u1', properties: { n: 3 } }] }],
  ];
  for (const [path, body] of calls) {
    const res = await t.post(path, JSON.stringify({ ...body, writeKey }), plain);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.json)}`);
  }
  // the endpoint decides the type, as on /v1/track
  const wrong = await t.post('/v1/t', JSON.stringify({ anonymousId: 'a1', writeKey }), plain);
  assert.equal(wrong.status, 400);
  assert.equal((await t.post('/v1/t', JSON.stringify({ event: 'x', anonymousId: 'a1' }), plain)).status, 401);
  await t.loaded();
  const rows = await t.app.store.query<{ type: string; event: string; n: string }>(
    `SELECT type, event, toString(count()) AS n FROM ${t.app.store.database}.events GROUP BY type, event ORDER BY type, event`);
  assert.deepEqual(rows.map((r) => [r.type, r.event, Number(r.n)]), [
    ['alias', 'alias', 1], ['group', 'group', 1], ['identify', 'identify', 1], ['page', 'page_view', 1], ['screen', 'screen_view', 1], ['track', 'Tick', 3],
  ]);
});
