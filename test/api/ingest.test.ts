import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ maxBatchBytes: 20_000, maxEventBytes: 4_000 });
});
after(async () => t.close());

async function countEvents(where = '1', params: Record<string, string> = {}): Promise<number> {
  await t.loaded();
  const rows = await t.app.store.query<{ n: number }>(
    `SELECT toUInt32(count()) AS n FROM ${t.app.store.database}.events WHERE project_id = {project:String} AND ${where}`,
    { project: t.project.projectId, ...params },
  );
  return rows[0]?.n ?? -1;
}

describe('Segment endpoints', () => {
  test('every single-message endpoint stores its event, write key by Basic auth or body', async () => {
    const uid = 'user-single';
    const calls: Array<[string, Record<string, unknown>]> = [
      ['/v1/track', { userId: uid, event: 'Signed Up', properties: { plan: 'pro' } }],
      ['/v1/page', { userId: uid, name: 'Home', properties: { url: 'https://x.test/home?utm_source=news' } }],
      ['/v1/screen', { userId: uid, name: 'Map' }],
      ['/v1/identify', { userId: uid, traits: { email: 'a@b.c' } }],
      ['/v1/group', { userId: uid, groupId: 'g1', traits: { name: 'Acme' } }],
      ['/v1/alias', { userId: uid, previousId: 'anon-single' }],
    ];
    for (const [path, body] of calls) {
      const res = await t.post(path, body, t.basic());
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.success, true);
    }
    const viaBody = await t.post('/v1/track', { writeKey: t.project.writeKey, userId: uid, event: 'Body Key' });
    assert.equal(viaBody.status, 200);
    assert.equal(await countEvents('user_id = {u:String}', { u: uid }), calls.length + 1);
    const types = await t.app.store.query<{ type: string }>(
      `SELECT DISTINCT type FROM ${t.app.store.database}.events WHERE user_id = {u:String} ORDER BY type`, { u: uid });
    assert.deepEqual(types.map((r) => r.type), ['alias', 'group', 'identify', 'page', 'screen', 'track']);
  });

  test('a batch stores good items and reports each bad one by index and reason', async () => {
    const res = await t.post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'b1', event: 'ok 1' },
        { type: 'track', userId: 'b1' },
        { type: 'track', event: 'no id' },
        { type: 'track', anonymousId: 'a1', event: 'ok 2' },
        { type: 'bogus', userId: 'b1' },
      ],
      context: { locale: 'de-DE' },
    }, t.basic());
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 2);
    const rejected = res.json.rejected as Array<{ index: number; reason: string; errors: string[] }>;
    assert.deepEqual(rejected.map((r) => r.index), [1, 2, 4]);
    for (const r of rejected) assert.ok(r.errors.length > 0 && r.errors.every((e) => typeof e === 'string' && e.length > 5));
    assert.equal(await countEvents(`event IN ('ok 1', 'ok 2') AND locale = 'de-DE'`), 2);
    const q = await t.get('/v1/rejected?limit=100', t.bearer());
    assert.equal(q.status, 200);
    const items = (q.json.items as Array<{ payload: string; reason: string }>);
    assert.ok(items.some((i) => i.payload.includes('"no id"')), 'the item without an id is quarantined with its payload');
  });

  test('400 only when nothing can succeed, naming the items', async () => {
    const bad = await t.post('/v1/track', { userId: 'x' }, t.basic());
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /event/);
    const badJson = await t.post('/v1/batch', '{"batch": [', { ...t.basic(), 'content-type': 'application/json' });
    assert.equal(badJson.status, 400);
    assert.match(String(badJson.json.error), /not valid JSON/);
  });

  test('unknown or missing write key is 401 and quarantined', async () => {
    const res = await t.post('/v1/track', { userId: 'x', event: 'e' }, t.basic('wk_nope'));
    assert.equal(res.status, 401);
    assert.match(String(res.json.error), /unknown write key/);
    const none = await t.post('/v1/track', { userId: 'x', event: 'e' });
    assert.equal(none.status, 401);
    await t.loaded();
    const rows = await t.app.store.query<{ reason: string }>(
      `SELECT reason FROM ${t.app.store.database}.rejected_events WHERE project_id = '' ORDER BY received_at`);
    assert.deepEqual(rows.map((r) => r.reason).sort(), ['missing_write_key', 'unknown_write_key']);
  });

  test('413 for an oversize request, and an oversize event inside a batch is rejected alone', async () => {
    const big = await t.post('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'e', properties: { s: 'x'.repeat(30_000) } }] }, t.basic());
    assert.equal(big.status, 413);
    assert.match(String(big.json.error), /limit is 20000/);
    const mixed = await t.post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u-size', event: 'small' },
        { type: 'track', userId: 'u-size', event: 'large', properties: { s: 'y'.repeat(5_000) } },
      ],
    }, t.basic());
    assert.equal(mixed.status, 200);
    assert.equal(mixed.json.accepted, 1);
    assert.equal((mixed.json.rejected as Array<{ reason: string }>)[0]?.reason, 'oversize');
    await t.loaded();
    const q = await t.get('/v1/rejected?reason=oversize_request', t.bearer());
    assert.equal(q.json.total, 1);
  });

  test('a retried messageId is stored once, whenever it is retried', async () => {
    const msg = { userId: 'dup', event: 'Paid', messageId: 'msg-dup-1', properties: { n: 1 } };
    assert.equal((await t.post('/v1/track', msg, t.basic())).status, 200);
    assert.equal((await t.post('/v1/track', msg, t.basic())).status, 200);
    assert.equal(await countEvents(`user_id = 'dup'`), 1);
    // hours later, after it was loaded: still once
    assert.equal((await t.post('/v1/batch', { batch: [{ ...msg, type: 'track' }] }, t.basic())).status, 200);
    assert.equal(await countEvents(`user_id = 'dup'`), 1);
  });

  test('CORS lets a browser send, and text/plain bodies (analytics.js) are JSON', async () => {
    const pre = await fetch(t.app.url + '/v1/track', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.test');
    const res = await t.post('/v1/track', JSON.stringify({ writeKey: t.project.writeKey, anonymousId: 'browser', event: 'plain' }), { 'content-type': 'text/plain' });
    assert.equal(res.status, 200);
  });

  test('gzip bodies are accepted', async () => {
    const { gzipSync } = await import('node:zlib');
    const res = await fetch(t.app.url + '/v1/batch', {
      method: 'POST',
      headers: { ...t.basic(), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'gz', event: 'zipped' }] })),
    });
    assert.equal(res.status, 200);
    assert.equal(await countEvents(`user_id = 'gz'`), 1);
  });
});
