/**
 * `/v1/reports` end to end on a running server: events through the ingest API, CRUD with
 * validation errors by path, runs (manual and scheduled with an injected clock), late data,
 * backfill with streamed progress, results, CSV and Parquet exports read back and compared, output
 * files after each run, and a definition change starting the materialization over.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { reportsPlugin } from '../../src/reports/reports.plugin.js';
import { FakeClock, settle } from './fake-clock.js';

let t: TestApp;
const clock = new FakeClock(Date.parse('2024-05-01T00:00:00Z'));

before(async () => {
  t = await startTestApp({}, { plugins: [(app, core, auth) => reportsPlugin(app, core, auth, { clock, overlapMs: 0 })] });
});
after(async () => t.close());

const json = { 'content-type': 'application/json' };
const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(t.app.url + path, {
    method,
    headers: { ...t.bearer(), ...(body !== undefined ? json : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return res;
};
const callJson = async (method: string, path: string, body?: unknown) => {
  const res = await call(method, path, body);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

async function send(events: Array<{ user: string; event: string; at: string }>): Promise<void> {
  const res = await t.post('/v1/batch', { batch: events.map((e) => ({ type: 'track', userId: e.user, event: e.event, timestamp: e.at })) }, t.basic());
  assert.equal(res.status, 200);
  await t.loaded();
}

function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((line) => line.split(',').map((c) => c.replace(/^"|"$/g, '')));
}

test('create: validation errors name their paths; keys and names are checked', async () => {
  const bad = await callJson('POST', '/v1/reports', { name: 'x y', analysis: 'trends', definition: { interval: 'fortnight' }, schedule: '61 * * * *' });
  assert.equal(bad.status, 400);
  const paths = (bad.body.issues as Array<{ path: string }>).map((i) => i.path);
  assert.ok(paths.includes('name') && paths.includes('schedule'), JSON.stringify(bad.body));
  const badDef = await callJson('POST', '/v1/reports', { name: 'x', analysis: 'trends', definition: { interval: 'fortnight' } });
  assert.equal(badDef.status, 400);
  assert.ok((badDef.body.issues as Array<{ path: string }>).some((i) => i.path === 'definition.interval'), JSON.stringify(badDef.body));
  const unknown = await callJson('POST', '/v1/reports', { name: 'x', analysis: 'nope', definition: {} });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error, /unknown analysis "nope"; available: .*trends/);
  const escape = await callJson('POST', '/v1/reports', { name: 'x', analysis: 'trends', definition: {}, output: { dir: '../elsewhere' } });
  assert.equal(escape.status, 400);
  const rolling = await callJson('POST', '/v1/reports', { name: 'x', analysis: 'trends', definition: {}, rollingDays: 7 });
  assert.equal(rolling.status, 400);
  const writeKey = await fetch(t.app.url + '/v1/reports', { headers: t.bearer(t.project.writeKey) });
  assert.equal(writeKey.status, 403);
});

test('daily trends report: run, late data, results, exports, output files, backfill, change, delete', async () => {
  await send([
    { user: 'a', event: 'view', at: '2024-04-01T10:00:00Z' },
    { user: 'b', event: 'view', at: '2024-04-01T11:00:00Z' },
    { user: 'a', event: 'view', at: '2024-04-03T09:00:00Z' },
  ]);
  const created = await callJson('POST', '/v1/reports', {
    name: 'daily-views', analysis: 'trends', definition: { event: 'view', interval: 'day' },
    output: { dir: 'bi/daily', mode: 'current', formats: ['csv', 'parquet'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const dup = await callJson('POST', '/v1/reports', { name: 'daily-views', analysis: 'trends', definition: {} });
  assert.equal(dup.status, 409);

  const first = await callJson('POST', '/v1/reports/daily-views/run');
  assert.equal(first.body.run.status, 'finished', JSON.stringify(first.body));
  assert.equal(first.body.run.buckets, 3); // 1, 2 (no events: zero), 3 April
  const results = await callJson('GET', '/v1/reports/daily-views/results');
  assert.deepEqual(results.body, { columns: ['bucket', 'series', 'value'], rows: [['2024-04-01', 'view', 2], ['2024-04-02', 'view', 0], ['2024-04-03', 'view', 1]] });

  // A late event for 2 April: the next run recomputes that day only.
  await send([{ user: 'c', event: 'view', at: '2024-04-02T23:59:59Z' }]);
  const second = await callJson('POST', '/v1/reports/daily-views/run');
  assert.equal(second.body.run.buckets, 1);
  const nothing = await callJson('POST', '/v1/reports/daily-views/run');
  assert.equal(nothing.body.run.buckets, 0);

  const csv = await call('GET', '/v1/reports/daily-views/export?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition') ?? '', /daily-views\.csv/);
  const csvText = await csv.text();
  assert.deepEqual(parseCsv(csvText), [['bucket', 'series', 'value'], ['2024-04-01', 'view', '2'], ['2024-04-02', 'view', '1'], ['2024-04-03', 'view', '1']]);

  const parquet = await call('GET', '/v1/reports/daily-views/export?format=parquet');
  assert.equal(parquet.status, 200);
  const file = join(t.dataDir, 'read-back.parquet');
  writeFileSync(file, Buffer.from(await parquet.arrayBuffer()));
  const back = await t.app.store.query(`SELECT * FROM file({path:String}, Parquet)`, { path: file });
  assert.deepEqual(back, [
    { bucket: '2024-04-01', series: 'view', value: 2 },
    { bucket: '2024-04-02', series: 'view', value: 1 },
    { bucket: '2024-04-03', series: 'view', value: 1 },
  ]);
  const types = await t.app.store.query(
    `SELECT toTypeName(bucket) AS bucket, toTypeName(series) AS series, toTypeName(value) AS value FROM file({path:String}, Parquet) LIMIT 1`,
    { path: file },
  );
  assert.deepEqual(types, [{ bucket: 'Nullable(String)', series: 'Nullable(String)', value: 'Nullable(Int64)' }]);

  // The output folder holds the current files, equal to the downloads.
  const outDir = join(t.dataDir, 'exports', 'bi', 'daily');
  assert.deepEqual(readdirSync(outDir).sort(), ['daily-views.csv', 'daily-views.parquet']);
  assert.equal(readFileSync(join(outDir, 'daily-views.csv'), 'utf8'), csvText);

  // Backfill with streamed progress recomputes the range and changes nothing.
  const res = await call('POST', '/v1/reports/daily-views/backfill', { from: '2024-04-01', to: '2024-04-03' }, { accept: 'application/x-ndjson' });
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.deepEqual(lines.filter((l) => l.progress).at(-1)?.progress, { done: 3, total: 3 });
  assert.equal(lines.at(-1)?.run.status, 'finished');
  assert.equal(lines.at(-1)?.run.trigger, 'backfill');
  assert.deepEqual((await callJson('GET', '/v1/reports/daily-views/results')).body.rows.map((r: unknown[]) => r[2]), [2, 1, 1]);
  const badRange = await callJson('POST', '/v1/reports/daily-views/backfill', { from: '2024-04-05', to: '2024-04-01' });
  assert.equal(badRange.body.run.status, 'failed');
  assert.match(badRange.body.run.error, /empty/);

  const shown = await callJson('GET', '/v1/reports/daily-views');
  assert.deepEqual(shown.body.runs.map((r: { trigger: string; status: string }) => `${r.trigger}:${r.status}`), [
    'backfill:failed', 'backfill:finished', 'manual:finished', 'manual:finished', 'manual:finished',
  ]);
  assert.ok(shown.body.runs.every((r: { durationMs: number | null }) => typeof r.durationMs === 'number'));

  // A new definition starts over: no results until the next run, then the new numbers.
  const changed = await callJson('PATCH', '/v1/reports/daily-views', { definition: { event: 'view', interval: 'day', measure: { type: 'persons' } } });
  assert.equal(changed.body.revision, 2);
  assert.equal((await callJson('GET', '/v1/reports/daily-views/results')).status, 409);
  await callJson('POST', '/v1/reports/daily-views/run');
  assert.deepEqual((await callJson('GET', '/v1/reports/daily-views/results')).body.rows.map((r: unknown[]) => r[2]), [2, 1, 1]);
  const renamed = await callJson('PATCH', '/v1/reports/daily-views', { name: 'daily-persons' });
  assert.equal(renamed.body.revision, 2);

  assert.equal((await callJson('DELETE', '/v1/reports/daily-persons')).status, 200);
  assert.equal((await callJson('GET', '/v1/reports/daily-persons')).status, 404);
  assert.equal(existsSync(join(outDir, 'daily-views.csv')), true); // files already delivered stay
});

test('scheduled report runs at its cron time on the injected clock; per-run output files', async () => {
  await send([{ user: 'z', event: 'buy', at: '2024-04-20T12:00:00Z' }]);
  const created = await callJson('POST', '/v1/reports', {
    name: 'buys', analysis: 'trends', definition: { event: 'buy' }, schedule: '0 */4 * * *',
    output: { dir: 'per-run', mode: 'per-run', formats: ['csv'] },
  });
  assert.equal(created.status, 201);
  await settle();
  assert.equal((await callJson('GET', '/v1/reports/buys')).body.nextRunAt, '2024-05-01T04:00:00.000Z');
  const runsOf = async () => (await callJson('GET', '/v1/reports/buys/runs')).body.runs as Array<{ trigger: string; status: string; startedAt: string }>;
  // The clock moves only when told; a run's own queries take real time, so wait for each to end.
  const ended = async (n: number) => {
    let runs = await runsOf();
    while (runs.length < n || runs.some((r) => r.status === 'started')) {
      await settle();
      runs = await runsOf();
    }
    return runs;
  };
  await clock.advance(4 * 3_600_000);
  await ended(1);
  await clock.advance(4 * 3_600_000);
  const runs = await ended(2);
  assert.deepEqual(runs.map((r) => [r.trigger, r.status, r.startedAt]).reverse(), [
    ['schedule', 'finished', '2024-05-01T04:00:00.000Z'],
    ['schedule', 'finished', '2024-05-01T08:00:00.000Z'],
  ]);
  assert.equal(readdirSync(join(t.dataDir, 'exports', 'per-run')).filter((f) => /^buys-.*\.csv$/.test(f)).length, 2);
});
