/**
 * Small hand-checked cases of materialization: which buckets a run recomputes (late data,
 * sessions crossing midnight, identity links, gaps), a run that dies midway, rows of versions that
 * were never committed, whole-recompute reports with a rolling range, and export column names and
 * types read back from CSV and Parquet.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import type { Analysis, AnyAnalysis } from '../../src/analyses/analysis.js';
import { ALL_ANALYSES } from '../../src/analyses/all.js';
import { trendsAnalysis } from '../../src/analyses/trends/index.js';
import { retentionAnalysis } from '../../src/analyses/retention/index.js';
import { exportColumnNames } from '../../src/reports/export.js';
import { DAY, HOUR, insertEvents, setupReports, uuid, type ReportsSetup, type TestEvent } from './helpers.js';

let store: Store;
let dispose: () => Promise<void>;
let reports: ReportsSetup;
let failOn: string | null = null;

/** trends, failing on one bucket while `failOn` names it (a crash in the middle of a run). */
const flakyTrends: AnyAnalysis = {
  ...trendsAnalysis,
  run: async (ctx, def: { from: string }) => {
    if (def.from === failOn) throw new Error(`boom on ${def.from}`);
    return trendsAnalysis.run(ctx, def as never);
  },
};

const table: Analysis<Record<string, unknown>, null> = {
  name: 'fixed-table',
  description: 'a fixed table with awkward column names and mixed types',
  schema: z.record(z.string(), z.unknown()),
  run: async () => null,
  toTable: () => ({
    columns: ['merchant id', 'n', 'ratio', 'mixed', 'label', 'label'],
    rows: [
      ['m, "1"', 3, 0.5, 7, 'a\nb', null],
      ['m2', null, 2, 'x', '😀', 'z'],
    ],
  }),
};

before(async () => {
  ({ store, dispose } = await tempStore());
  reports = setupReports(store, {
    analyses: [flakyTrends, table, ...ALL_ANALYSES.filter((a) => a.name !== 'trends')],
    overlapMs: 0,
    now: () => Date.parse('2024-03-20T12:00:00Z'),
  });
});
after(async () => dispose());

const D = (day: number, hour = 12): number => Date.parse('2024-03-01T00:00:00Z') + (day - 1) * DAY + hour * HOUR;
const e = (person: string, event: string, ms: number, extra: Partial<TestEvent> = {}): TestEvent => ({ id: uuid(), person, event, ms, ...extra });

async function runOk(project: { projectId: string; timezone: string }, name: string) {
  const run = await reports.service.run(project, name);
  assert.equal(run.status, 'finished', run.error);
  return run;
}

test('trends per day: a late event recomputes its day; new days fill the gap', async () => {
  const p = reports.project('late', 'UTC');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('a', 'v', D(1)), e('a', 'v', D(3)), e('b', 'v', D(5))] }]);
  await reports.service.create(p, { name: 'r', analysis: 'trends', definition: {} });
  assert.equal((await runOk(p, 'r')).buckets, 5);
  await insertEvents(store, [{ projectId: p.projectId, events: [e('c', 'v', D(2))] }]);
  assert.equal((await runOk(p, 'r')).buckets, 1);
  await insertEvents(store, [{ projectId: p.projectId, events: [e('c', 'v', D(8))] }]);
  assert.equal((await runOk(p, 'r')).buckets, 3); // 6, 7 (empty) and 8
  const res = await reports.service.results(p, 'r');
  assert.deepEqual(res.rows.map((r) => r[2]), [1, 1, 1, 0, 1, 0, 0, 1]);
});

test('sessions per day: a late event touches the days a session can reach (±2 days by default)', async () => {
  const p = reports.project('sess', 'UTC');
  await insertEvents(store, [{ projectId: p.projectId, events: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => e('a', 'v', D(d))) }]);
  await reports.service.create(p, { name: 's', analysis: 'sessions', definition: {} });
  await reports.service.create(p, { name: 'm', analysis: 'sessions', definition: { splitAtMidnight: true } });
  assert.equal((await runOk(p, 's')).buckets, 9);
  assert.equal((await runOk(p, 'm')).buckets, 9);
  // 23:50 on day 5 and 00:10 on day 6 are one session starting on day 5.
  await insertEvents(store, [{ projectId: p.projectId, events: [e('b', 'v', D(5, 23) + 50 * 60_000), e('b', 'v', D(6, 0) + 10 * 60_000)] }]);
  assert.equal((await runOk(p, 's')).buckets, 6); // days 3..7 around day 5, 4..8 around day 6
  assert.equal((await runOk(p, 'm')).buckets, 2); // split at midnight: only days 5 and 6
  const s = await reports.service.results(p, 's');
  const day = (rows: Array<Array<string | number | null>>, label: string) => rows.find((r) => r[0] === label);
  assert.equal(day(s.rows, '2024-03-05')?.[1], 2);
  assert.equal(day(s.rows, '2024-03-06')?.[1], 1);
  const m = await reports.service.results(p, 'm');
  assert.equal(day(m.rows, '2024-03-06')?.[1], 2);
});

test('a login links an anonymous id: the days of its earlier events are recomputed', async () => {
  const p = reports.project('ident', 'UTC');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('anon-9', 'v', D(1)), e('u9', 'v', D(1, 13)), e('u9', 'v', D(2))] }]);
  await reports.service.create(p, { name: 'persons', analysis: 'trends', definition: { event: 'v', measure: { type: 'persons' } } });
  await runOk(p, 'persons');
  assert.deepEqual((await reports.service.results(p, 'persons')).rows.map((r) => r[2]), [2, 1]);
  await insertEvents(store, [{ projectId: p.projectId, events: [e('u9', 'login', D(4), { userId: 'u9', anonymousId: 'anon-9' })] }]);
  const run = await runOk(p, 'persons');
  assert.equal(run.buckets, 3); // day 1 (identity), days 3 and 4 (gap, login)
  assert.deepEqual((await reports.service.results(p, 'persons')).rows.map((r) => r[2]), [1, 1, 0, 0]);
});

test('sessions per day are kept per person: a run rewrites only touched persons; logins move sessions between persons', async () => {
  const p = reports.project('per-person', 'UTC');
  const at = (day: number, hour: number, minute: number) => D(day, hour) + minute * 60_000;
  await insertEvents(store, [{ projectId: p.projectId, events: [
    e('anon-7', 'v', at(1, 10, 0)), e('anon-7', 'v', at(1, 10, 10)), e('u7', 'v', at(1, 10, 20)), e('u8', 'v', at(2, 9, 0)),
  ] }]);
  await reports.service.create(p, { name: 's', analysis: 'sessions', definition: {} });
  await runOk(p, 's');
  const report = await reports.service.get(p, 's');
  const days = async () => (await reports.service.results(p, 's')).rows.map((r) => [r[0], r[1], r[2]]);
  const state = async () => store.query<{ day: string; person_id: string; sessions: number; version: string }>(
    `SELECT toString(day) AS day, person_id, sessions, toString(version) AS version FROM clickpath.report_session_days FINAL
     WHERE report_id = {r:String} ORDER BY day, person_id`, { r: report.reportId });
  assert.deepEqual(await days(), [['2024-03-01', 2, 2], ['2024-03-02', 1, 1]]);
  const before = await state();
  const u8 = before.find((r) => r.person_id === 'u8');

  // u7 logs in on day 3 from the device anon-7 used: anon-7's events are u7's, one session
  // 10:00-10:20 on day 1; anon-7 has none left. u8 is untouched: its row keeps its version.
  await insertEvents(store, [{ projectId: p.projectId, events: [e('u7', 'login', at(3, 12, 0), { userId: 'u7', anonymousId: 'anon-7' })] }]);
  await runOk(p, 's');
  assert.deepEqual(await days(), [['2024-03-01', 1, 1], ['2024-03-02', 1, 1], ['2024-03-03', 1, 1]]);
  const linked = await state();
  assert.deepEqual(linked.find((r) => r.person_id === 'u8'), u8);
  assert.equal(linked.find((r) => r.person_id === 'anon-7' && r.day === '2024-03-01')?.sessions, 0);

  // Later the same device logs in as u9: anon-7's events leave u7 (its old person) for u9.
  await insertEvents(store, [{ projectId: p.projectId, events: [e('u9', 'login', at(3, 14, 0), { userId: 'u9', anonymousId: 'anon-7' })] }]);
  // A merge may already have dropped the older link (anon-7 -> u7) by the time the run starts.
  await store.exec('OPTIMIZE TABLE clickpath.person_aliases FINAL');
  await runOk(p, 's');
  assert.deepEqual(await days(), [['2024-03-01', 2, 2], ['2024-03-02', 1, 1], ['2024-03-03', 2, 2]]);
  assert.deepEqual((await state()).find((r) => r.person_id === 'u8'), u8);
  const sessions = ALL_ANALYSES.find((a) => a.name === 'sessions');
  assert.ok(sessions);
  const whole = sessions.toTable(await sessions.run({ store, projectId: p.projectId, timezone: 'UTC', now: Date.now }, sessions.schema.parse({ from: '2024-03-01', to: '2024-03-03' })));
  assert.deepEqual((await reports.service.results(p, 's')).rows, whole.rows.map((r) => [...r]));
});

test('a run that fails midway keeps the old rows and watermark; the next run repairs everything', async () => {
  const p = reports.project('crash', 'UTC');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('a', 'v', D(1)), e('a', 'v', D(2)), e('a', 'v', D(3))] }]);
  // Persons, not events: a count report never runs the analysis per bucket (bucket-counts.test.ts
  // has its own crash case).
  await reports.service.create(p, { name: 'r', analysis: 'trends', definition: { measure: { type: 'persons' } } });
  await runOk(p, 'r');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('b', 'v', D(1)), e('b', 'v', D(3))] }]);
  failOn = '2024-03-03';
  const failed = await reports.service.run(p, 'r');
  assert.equal(failed.status, 'failed');
  assert.match(failed.error, /boom on 2024-03-03/);
  assert.deepEqual((await reports.service.results(p, 'r')).rows.map((r) => r[2]), [1, 1, 1]);
  failOn = null;
  const repaired = await runOk(p, 'r');
  assert.equal(repaired.buckets, 2);
  assert.deepEqual((await reports.service.results(p, 'r')).rows.map((r) => r[2]), [2, 1, 2]);

  // Rows of a version nobody committed (a crash between the two inserts) are never read, and
  // cleanup removes them along with superseded versions.
  const report = await reports.service.get(p, 'r');
  await store.insertJsonRows('report_results', JSON.stringify({ project_id: p.projectId, report_id: report.reportId, bucket: 19783, version: 999, row_no: 0, row_json: '["x","y",42]' }));
  assert.deepEqual((await reports.service.results(p, 'r')).rows.map((r) => r[2]), [2, 1, 2]);
  assert.equal(await reports.repo.cleanup(p.projectId, report.reportId, report.revision, { force: true }), true);
  const [left] = await store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM clickpath.report_results WHERE report_id = {r:String}`, { r: report.reportId });
  assert.equal(left?.n, 3);
  await insertEvents(store, [{ projectId: p.projectId, events: [e('c', 'v', D(2))] }]);
  await runOk(p, 'r');
  assert.deepEqual((await reports.service.results(p, 'r')).rows.map((r) => r[2]), [2, 2, 2]);
});

test('hourly buckets in a half-hour zone; bounds from the definition limit the buckets', async () => {
  const p = reports.project('hours', 'Asia/Kolkata');
  // 10:20 and 10:40 UTC fall into the local hours 15:00 and 16:00 (UTC+5:30).
  await insertEvents(store, [{ projectId: p.projectId, events: [e('a', 'v', D(1, 10) + 20 * 60_000), e('a', 'v', D(1, 10) + 40 * 60_000), e('a', 'v', D(3))] }]);
  await reports.service.create(p, { name: 'h', analysis: 'trends', definition: { interval: 'hour', to: '2024-03-01T17:00' } });
  assert.equal((await runOk(p, 'h')).buckets, 2);
  assert.deepEqual((await reports.service.results(p, 'h')).rows, [['2024-03-01 15:00', 'all events', 1], ['2024-03-01 16:00', 'all events', 1]]);
});

test('reports recomputed whole: retention over a rolling range ending today', async () => {
  const p = reports.project('ret', 'UTC');
  const today = Date.parse('2024-03-20T08:00:00Z');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('a', 'v', today - 2 * DAY), e('a', 'v', today - DAY), e('b', 'v', today - 30 * DAY)] }]);
  await reports.service.create(p, { name: 'ret', analysis: 'retention', definition: { interval: 'day', periods: 2 }, rollingDays: 7 });
  const run = await runOk(p, 'ret');
  assert.equal(run.buckets, 1);
  const expected = await retentionAnalysis.run(
    { store, projectId: p.projectId, timezone: 'UTC', now: () => Date.parse('2024-03-20T12:00:00Z') },
    retentionAnalysis.schema.parse({ interval: 'day', periods: 2, from: '2024-03-14', to: '2024-03-20' }),
  );
  const t = retentionAnalysis.toTable(expected);
  assert.deepEqual(await reports.service.results(p, 'ret'), { columns: [...t.columns], rows: t.rows.map((r) => [...r]) });
  assert.equal((await reports.service.results(p, 'ret')).rows.length, 7);
});

test('export columns: plain names kept, others col_<n>; integers, floats and text typed; CSV and Parquet read back', async () => {
  assert.deepEqual(exportColumnNames(['merchant id', 'n', 'ratio', 'mixed', 'label', 'label']), ['col_1', 'n', 'ratio', 'mixed', 'label', 'col_6']);
  const p = reports.project('export', 'UTC');
  await insertEvents(store, [{ projectId: p.projectId, events: [e('a', 'v', D(1))] }]);
  await reports.service.create(p, { name: 'x', analysis: 'fixed-table', definition: {} });
  await runOk(p, 'x');
  const csv = Buffer.from((await reports.service.export(p, 'x', 'csv')).bytes).toString('utf8');
  assert.equal(csv, '"col_1","n","ratio","mixed","label","col_6"\n"m, ""1""",3,0.5,"7","a\nb",\n"m2",,2,"x","😀","z"\n');
  const file = join(reports.exportRoot, 'x.parquet');
  writeFileSync(file, (await reports.service.export(p, 'x', 'parquet')).bytes);
  const back = await store.query(`SELECT *, toTypeName(n) AS tn, toTypeName(ratio) AS tr, toTypeName(mixed) AS tm FROM file({path:String}, Parquet)`, { path: file });
  assert.deepEqual(back, [
    { col_1: 'm, "1"', n: 3, ratio: 0.5, mixed: '7', label: 'a\nb', col_6: null, tn: 'Nullable(Int64)', tr: 'Nullable(Float64)', tm: 'Nullable(String)' },
    { col_1: 'm2', n: null, ratio: 2, mixed: 'x', label: '😀', col_6: 'z', tn: 'Nullable(Int64)', tr: 'Nullable(Float64)', tm: 'Nullable(String)' },
  ]);
});
