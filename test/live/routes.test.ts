/**
 * The live endpoints over HTTP: which keys read what, the request shapes, the batch form, top
 * lists with a second event and ties, and is-top. Counts here are small enough to check by eye.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendBatch, startLiveApp, tailCaughtUp, type LiveTestApp, type SentEvent } from './live-test-kit.js';

let app: LiveTestApp;
before(async () => {
  app = await startLiveApp();
  const now = Date.now();
  const e = (i: number, event: string, article: string, user = `u${i % 3}`): SentEvent => ({
    event, userId: user, messageId: `r${i}`, timestamp: now - i * 1000, properties: { article_id: article },
  });
  // views: a ×3, b ×3, é ×1, z ×1; purchases: b ×1, z ×2. One view of "a" is older than 5 minutes.
  await sendBatch(app, app.project.writeKey, [
    e(1, 'detailsView', 'a'), e(2, 'detailsView', 'a'), e(400, 'detailsView', 'a'),
    e(3, 'detailsView', 'b'), e(4, 'detailsView', 'b'), e(5, 'detailsView', 'b'),
    e(6, 'detailsView', 'é'), e(7, 'detailsView', 'z'),
    e(8, 'transaction_item', 'b'), e(9, 'transaction_item', 'z'), e(10, 'transaction_item', 'z'),
  ]);
  await app.loaded();
  await tailCaughtUp(app);
});
after(async () => app.close());

test('the live key reads live endpoints only; write keys read nothing; the key goes in the header', async () => {
  const live = app.liveKey();
  assert.equal((await app.get('/v1/live/count?event=detailsView&window=1h', live)).status, 200);
  assert.equal((await app.get('/v1/live/top?event=detailsView&key=article_id&window=1h', live)).status, 200);
  assert.equal((await app.get('/v1/live/count?event=detailsView&window=1h', app.bearer())).status, 200);
  assert.equal((await app.get('/v1/status', live)).status, 403);
  assert.equal((await app.get('/v1/live/top/history?event=detailsView&key=article_id', live)).status, 403);
  assert.equal((await app.get('/v1/live/count?window=1h', app.bearer(app.project.writeKey))).status, 403);
  const other = await app.app.registry.create('routes other');
  // Another project's live key sees that project's (empty) counters, never these.
  const foreign = await app.get('/v1/live/count?event=detailsView&window=1h', app.liveKey(other.liveKey));
  assert.equal(foreign.json.count, 0);
  const noHeader = await app.get(`/v1/live/count?window=1h&key=${app.project.liveKey}`);
  assert.equal(noHeader.status, 401);
  assert.match(String(noHeader.json.error), /Authorization: Bearer lk_/);
});

test('counters: one value, many values, any value, every event; persons on request', async () => {
  const live = app.liveKey();
  const one = await app.get('/v1/live/count?event=detailsView&key=article_id&value=a&window=5m&persons=true', live);
  assert.equal(one.json.count, 2);
  assert.equal(one.json.persons, 2);
  assert.equal((await app.get('/v1/live/count?event=detailsView&key=article_id&value=a&window=1h', live)).json.count, 3);
  const many = await app.get('/v1/live/count?event=detailsView&key=article_id&value=b&value=%C3%A9&value=nope&window=1h', live);
  assert.deepEqual(many.json.counts, [{ value: 'b', count: 3 }, { value: 'é', count: 1 }, { value: 'nope', count: 0 }]);
  assert.equal((await app.get('/v1/live/count?event=detailsView&key=article_id&window=1h', live)).json.count, 8);
  assert.equal((await app.get('/v1/live/count?window=1h', live)).json.count, 11);
  assert.equal((await app.get('/v1/live/count?event=&window=1h', live)).json.count, 11);
});

test('the batch form answers each counter in order', async () => {
  const res = await app.post('/v1/live/counts', {
    window: '1h',
    persons: true,
    counters: [
      { event: 'detailsView', key: 'article_id', value: 'b' },
      { event: 'transaction_item', key: 'article_id', value: 'z' },
      { event: 'detailsView', key: 'article_id', value: 'a' },
      { event: 'transaction_item' },
    ],
  }, app.liveKey());
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(res.json.counts, [
    { event: 'detailsView', key: 'article_id', value: 'b', count: 3, persons: 3 },
    { event: 'transaction_item', key: 'article_id', value: 'z', count: 2, persons: 2 },
    { event: 'detailsView', key: 'article_id', value: 'a', count: 3, persons: 2 },
    { event: 'transaction_item', key: null, value: null, count: 3, persons: 3 },
  ]);
});

test('top list: ties by value ascending, a second event side by side, and is-top', async () => {
  const top = await app.get('/v1/live/top?event=detailsView&key=article_id&window=1h&limit=3&second=transaction_item', app.liveKey());
  assert.deepEqual(top.json.items, [
    { rank: 1, value: 'a', count: 3, secondCount: 0 },
    { rank: 2, value: 'b', count: 3, secondCount: 1 },
    { rank: 3, value: 'z', count: 1, secondCount: 2 },
  ]);
  const yes = await app.get('/v1/live/is-top?event=detailsView&key=article_id&value=b&window=1h&limit=2', app.liveKey());
  assert.deepEqual([yes.json.isTop, yes.json.rank, yes.json.count], [true, 2, 3]);
  const no = await app.get('/v1/live/is-top?event=detailsView&key=article_id&value=%C3%A9&window=1h&limit=3', app.liveKey());
  assert.deepEqual([no.json.isTop, no.json.rank, no.json.count], [false, null, 1]);
});

test('bad requests say what is wrong', async () => {
  const live = app.liveKey();
  const cases: Array<[string, RegExp]> = [
    ['/v1/live/count?window=30s', /window: window "30s" must be between 1m and 7d/],
    ['/v1/live/count?window=8d', /between 1m and 7d/],
    ['/v1/live/count', /window/],
    ['/v1/live/count?value=1&window=1h', /value: value needs a key/],
    ['/v1/live/top?window=1h', /key/],
    ['/v1/live/top?key=k&window=1h&limit=0', /limit/],
    ['/v1/live/is-top?key=k&window=1h', /value/],
  ];
  for (const [path, message] of cases) {
    const res = await app.get(path, live);
    assert.equal(res.status, 400, path);
    assert.match(String(res.json.error), message, path);
  }
  const body = await app.post('/v1/live/counts', { window: '1h', counters: [] }, live);
  assert.equal(body.status, 400);
});
