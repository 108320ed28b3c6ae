import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  const at = (min: number) => new Date(Date.UTC(2024, 4, 1, 9, min)).toISOString();
  const batch = [
    { type: 'track', userId: 'a', event: 'flyer_open', timestamp: at(0), properties: { flyer_id: 'f1', merchant_id: 'm1' } },
    { type: 'track', userId: 'a', event: 'item_open', timestamp: at(2), properties: { flyer_id: 'f1', merchant_id: 'm1' } },
    { type: 'track', userId: 'a', event: 'list_flyers', timestamp: at(3) },
    { type: 'track', userId: 'b', event: 'flyer_open', timestamp: at(10), properties: { flyer_id: 'f2', merchant_id: 'm1' } },
    { type: 'track', userId: 'b', event: 'list_flyers', timestamp: at(11) },
  ];
  assert.equal((await t.post('/v1/import', { batch }, t.basic())).status, 200);
  await t.loaded();
});
after(async () => t.close());

const engagement = { contentEvents: ['flyer_open', 'item_open'], keys: ['merchant_id', 'flyer_id'], report: 'per_item_day' };

test('engagement exports as CSV and Parquet with the same rows as the JSON answer', async () => {
  const json = await t.post('/v1/query/engagement', engagement, t.bearer());
  assert.equal(json.status, 200, JSON.stringify(json.json));
  const csvRes = await fetch(`${t.app.url}/v1/query/engagement/export?format=csv`, {
    method: 'POST', headers: { ...t.bearer(), 'content-type': 'application/json' }, body: JSON.stringify(engagement),
  });
  assert.equal(csvRes.status, 200);
  assert.match(csvRes.headers.get('content-type') ?? '', /text\/csv/);
  const csv = await csvRes.text();
  const lines = csv.trim().split('\n');
  // f1: flyer_open dwell 2 min + item_open dwell 1 min; f2: flyer_open dwell 1 min
  assert.equal(lines.length, 3, csv);
  assert.match(lines[0] ?? '', /key_1/);
  assert.match(csv, /"m1","f1"/);

  const pq = await fetch(`${t.app.url}/v1/query/engagement/export?format=parquet`, {
    method: 'POST', headers: { ...t.bearer(), 'content-type': 'application/json' }, body: JSON.stringify(engagement),
  });
  assert.equal(pq.status, 200);
  const file = join(mkdtempSync(join(tmpdir(), 'clickpath-export-')), 'e.parquet');
  writeFileSync(file, Buffer.from(await pq.arrayBuffer()));
  const rows = await t.app.store.query<{ key_2: string; views: string; total: string }>(
    'SELECT key_2, toString(views) AS views, toString(totalTimeMs) AS total FROM file({path:String}, Parquet) ORDER BY key_2', { path: file });
  assert.deepEqual(rows, [
    { key_2: 'f1', views: '2', total: String(3 * 60_000) },
    { key_2: 'f2', views: '1', total: String(60_000) },
  ]);
});

test('analyses without an engine export give CSV from their table; Parquet is refused clearly', async () => {
  const def = { measure: { type: 'count' }, interval: 'day', from: '2024-05-01', to: '2024-05-01' };
  const res = await fetch(`${t.app.url}/v1/query/trends/export?format=csv`, {
    method: 'POST', headers: { ...t.bearer(), 'content-type': 'application/json' }, body: JSON.stringify(def),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(await res.text(), /2024-05-01.*5/);
  const bad = await t.post('/v1/query/trends/export?format=xlsx', def, t.bearer());
  assert.equal(bad.status, 400);
  const write = await t.post('/v1/query/engagement/export?format=csv', engagement, t.bearer(t.project.writeKey));
  assert.equal(write.status, 403);
});
