/** `POST /v1/import/file` on a running app: auth, mapping, body handling, answers, progress. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { countEvents, storedEvents } from './helpers.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ maxImportBytes: 4096 });
});
after(async () => t.close());

const CSV = 'user_id,event,ts,plan\nu1,signup,2024-01-01T10:00:00Z,pro\nu2,signup,2024-01-02T10:00:00-04:00,\n';
const MAPPING = { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' };

async function upload(body: string | Buffer, query: Record<string, string>, headers: Record<string, string> = t.bearer()) {
  const res = await fetch(`${t.app.url}/v1/import/file?${new URLSearchParams(query)}`, { method: 'POST', headers: { 'content-type': 'text/csv', ...headers }, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') };
}

test('a CSV with the project secret key: stored, answered with the summary', async () => {
  const r = await upload(CSV, { filename: 'signups.csv', mapping: JSON.stringify(MAPPING) });
  assert.equal(r.status, 200, r.text);
  const summary = r.json.summary as Record<string, unknown>;
  assert.deepEqual([summary.file, summary.format, summary.outcome, summary.stored, summary.rejected], ['signups.csv', 'csv', 'completed', 2, 0]);
  assert.deepEqual((await storedEvents(t.app.store, t.project.projectId)).map((e) => [e.person_id, e.timestamp, e.properties]), [
    ['u1', '2024-01-01T10:00:00.000Z', { plan: 'pro' }],
    ['u2', '2024-01-02T14:00:00.000Z', {}],
  ]);
  // The same upload again stores nothing new.
  const again = await upload(CSV, { filename: 'signups.csv', mapping: JSON.stringify(MAPPING) });
  assert.equal((again.json.summary as { alreadyStored: number }).alreadyStored, 2);
  assert.equal((await countEvents(t.app.store, t.project.projectId)).rows, 2);
});

test('the admin key acts for the project named in x-clickpath-project; the mapping may come in a header', async () => {
  const other = await t.app.registry.create('Other', { timezone: 'UTC' });
  const r = await upload(CSV, { filename: 'a.csv' }, { ...t.bearer(t.app.adminKey), 'x-clickpath-project': other.projectId, 'x-clickpath-mapping': JSON.stringify(MAPPING) });
  assert.equal(r.status, 200, r.text);
  assert.equal((await countEvents(t.app.store, other.projectId)).rows, 2);
});

test('keys: none 401, a write key 403, the admin key without a project 404', async () => {
  const q = { filename: 'a.csv', mapping: JSON.stringify(MAPPING) };
  assert.equal((await upload(CSV, q, {})).status, 401);
  assert.equal((await upload(CSV, q, t.bearer(t.project.writeKey))).status, 403);
  assert.equal((await upload(CSV, q, t.bearer(t.app.adminKey))).status, 404);
});

test('bad requests: no mapping, invalid JSON, invalid mapping, unknown column, unknown format, empty body', async () => {
  const cases: Array<[Record<string, string>, string | Buffer, RegExp]> = [
    [{ filename: 'a.csv' }, CSV, /send the mapping as JSON/],
    [{ filename: 'a.csv', mapping: '{' }, CSV, /mapping is not valid JSON/],
    [{ filename: 'a.csv', mapping: JSON.stringify({ person: 'user_id' }) }, CSV, /event: give exactly one of/],
    [{ filename: 'a.csv', mapping: JSON.stringify({ ...MAPPING, person: 'uid' }) }, CSV, /no column "uid" \(person\)/],
    [{ filename: 'a.bin', mapping: JSON.stringify(MAPPING) }, CSV, /cannot tell the format of a.bin/],
    [{ filename: 'a.csv', mapping: JSON.stringify(MAPPING) }, '', /the uploaded file is empty/],
  ];
  for (const [query, body, message] of cases) {
    const r = await upload(body, query);
    assert.equal(r.status, 400, `${JSON.stringify(query)}: ${r.text}`);
    assert.match(String(r.json.error), message);
  }
});

test('gzip content-encoding is decoded; over the size limit is 413', async () => {
  const p = await t.app.registry.create('Gzip', { timezone: 'UTC' });
  const headers = { ...t.bearer(t.app.adminKey), 'x-clickpath-project': p.projectId, 'content-encoding': 'gzip' };
  const ok = await upload(gzipSync(CSV), { filename: 'a.csv', mapping: JSON.stringify(MAPPING) }, headers);
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await countEvents(t.app.store, p.projectId)).rows, 2);
  const big = CSV + `u3,signup,2024-01-01T10:00:00Z,${'x'.repeat(5000)}\n`;
  const tooBig = await upload(gzipSync(big), { filename: 'b.csv', mapping: JSON.stringify(MAPPING) }, headers);
  assert.equal(tooBig.status, 413, tooBig.text);
  assert.equal((await countEvents(t.app.store, p.projectId)).rows, 2);
});

test('more bad rows than maxErrors: 422 with the summary, nothing stored', async () => {
  const p = await t.app.registry.create('Strict', { timezone: 'UTC' });
  const headers = { ...t.bearer(t.app.adminKey), 'x-clickpath-project': p.projectId };
  const r = await upload('user_id,event,ts\nu1,a,never\n', { filename: 'x.csv', mapping: JSON.stringify(MAPPING) }, headers);
  assert.equal(r.status, 422);
  assert.deepEqual((r.json.summary as { reasons: unknown }).reasons, { invalid_timestamp: 1 });
  assert.equal((await countEvents(t.app.store, p.projectId)).rows, 0);
});

test('?progress=1 answers NDJSON progress lines, then the summary; ?dryRun previews without storing', async () => {
  const p = await t.app.registry.create('Progress', { timezone: 'UTC' });
  const headers = { ...t.bearer(t.app.adminKey), 'x-clickpath-project': p.projectId };
  const ndjson = '{"uid":"u1","name":"open","at":1700000000}\n{"uid":"u2","name":"open","at":"2023-11-14T22:13:20Z","extra":{"a":1}}\n';
  const mapping = JSON.stringify({ person: 'uid', eventColumn: 'name', timestampColumn: 'at' });
  const preview = await upload(ndjson, { filename: '../../etc/events.ndjson', mapping, dryRun: '1' }, headers);
  assert.equal(preview.status, 200, preview.text);
  const pv = preview.json.preview as { file: string; rows: Array<{ line: number; values: Record<string, string>; properties: Record<string, string> }> };
  assert.equal(pv.file, 'events.ndjson');
  assert.deepEqual(pv.rows, [{ line: 1, values: { person_id: 'u1', user_id: 'u1', event: 'open', timestamp: '2023-11-14 22:13:20.000' }, properties: {}, codes: [], errors: [] }]);
  assert.equal((await countEvents(t.app.store, p.projectId)).rows, 0);

  const r = await upload(ndjson, { filename: 'events.ndjson', mapping, progress: '1' }, headers);
  assert.equal(r.type, 'application/x-ndjson');
  const lines = r.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, { phase?: string; outcome?: string; stored?: number }>);
  assert.deepEqual(lines.filter((l) => l.progress).map((l) => l.progress?.phase), ['reading', 'checking', 'storing', 'storing']);
  assert.deepEqual(lines.at(-1)?.summary?.outcome, 'completed');
  assert.equal(lines.at(-1)?.summary?.stored, 2);
  // Errors after the answer started are a line too.
  const bad = await upload(ndjson, { filename: 'events.ndjson', mapping: JSON.stringify({ person: 'uid', eventColumn: 'name', timestampColumn: 'at', format: 'parquet' }), progress: '1' }, headers);
  assert.match(bad.text.trim().split('\n').at(-1) ?? '', /"error":"cannot read events.ndjson as parquet/);
});
