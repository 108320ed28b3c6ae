/**
 * Count reports keep a settled count per bucket and add newly loaded rows to it
 * (src/reports/bucket-counts.ts): rows loaded within the overlap of the newest one are counted
 * again on each run until they settle, a late-committed insert within the overlap is still
 * counted once, and a run that dies after writing some buckets does not count their rows twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { toSqlTime } from '../../src/events/event-row.js';
import { DAY, HOUR, row, setupReports, uuid, type ReportsSetup, type TestEvent } from './helpers.js';

let store: Store;
let dispose: () => Promise<void>;
const MIN = 60_000;

before(async () => {
  ({ store, dispose } = await tempStore());
});
after(async () => dispose());

const D = (day: number, hour = 12): number => Date.parse('2024-03-01T00:00:00Z') + (day - 1) * DAY + hour * HOUR;
const ev = (person: string, event: string, ms: number): TestEvent => ({ id: uuid(), person, event, ms });

/** Inserts events as loaded at `loadedMs` (an insert's rows share their loaded_at). */
async function insertLoadedAt(projectId: string, events: readonly TestEvent[], loadedMs: number): Promise<void> {
  await store.insertJsonRows('events', events.map((e) => JSON.stringify({ ...row(projectId, e), loaded_at: toSqlTime(loadedMs) })).join('\n'));
}

async function settledCounts(reports: ReportsSetup, projectId: string, name: string): Promise<Array<[string, number, string]>> {
  const report = await reports.service.get({ projectId, timezone: 'UTC' }, name);
  const rows = await store.query<{ label: string; settled: number; settled_to: string }>(
    `SELECT argMax(label, version) AS label, toUInt32(argMax(settled, version)) AS settled, toString(argMax(settled_to, version)) AS settled_to
     FROM clickpath.report_buckets WHERE report_id = {r:String} AND revision = {rev:UInt32} GROUP BY bucket ORDER BY bucket`,
    { r: report.reportId, rev: report.revision },
  );
  return rows.map((r) => [r.label, r.settled, r.settled_to]);
}

async function runOk(reports: ReportsSetup, projectId: string, name: string) {
  const run = await reports.service.run(reports.project(projectId, 'UTC'), name);
  assert.equal(run.status, 'finished', run.error);
  return run;
}

async function freshEquals(reports: ReportsSetup, projectId: string, name: string, definition: Record<string, unknown>): Promise<void> {
  const p = reports.project(projectId, 'UTC');
  await reports.service.create(p, { name: `${name}-fresh`, analysis: 'trends', definition });
  await runOk(reports, projectId, `${name}-fresh`);
  assert.deepEqual(await reports.service.results(p, name), await reports.service.results(p, `${name}-fresh`));
  await reports.service.remove(p, `${name}-fresh`);
}

test('rows loaded within the overlap of the newest one are counted on every run until they settle', async () => {
  const reports = setupReports(store, { overlapMs: 10 * MIN });
  const p = reports.project('settle', 'UTC');
  const T0 = Date.parse('2024-03-10T08:00:00Z');
  await reports.service.create(p, { name: 'views', analysis: 'trends', definition: { event: 'v' } });

  await insertLoadedAt('settle', [ev('a', 'v', D(1)), ev('a', 'v', D(2)), ev('a', 'other', D(3))], T0);
  assert.equal((await runOk(reports, 'settle', 'views')).buckets, 3);
  // Everything was loaded within 10 minutes of the newest row: nothing is settled yet.
  assert.deepEqual(await settledCounts(reports, 'settle', 'views'), [
    ['2024-03-01', 0, '2024-03-10 07:50:00.000'], ['2024-03-02', 0, '2024-03-10 07:50:00.000'], ['2024-03-03', 0, '2024-03-10 07:50:00.000'],
  ]);
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [1, 1, 0]);

  await insertLoadedAt('settle', [ev('b', 'v', D(1))], T0 + 20 * MIN);
  // Rows after the last settled point (07:50) are read again: days 1 and 2 (T0) and day 1 (B).
  assert.equal((await runOk(reports, 'settle', 'views')).buckets, 3);
  assert.deepEqual(await settledCounts(reports, 'settle', 'views'), [
    ['2024-03-01', 1, '2024-03-10 08:10:00.000'], ['2024-03-02', 1, '2024-03-10 08:10:00.000'], ['2024-03-03', 0, '2024-03-10 08:10:00.000'],
  ]);
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [2, 1, 0]);

  // An insert that began before B but committed after the run: older loaded_at, within the overlap.
  await insertLoadedAt('settle', [ev('c', 'v', D(2)), ev('c', 'v', D(5))], T0 + 15 * MIN);
  assert.equal((await runOk(reports, 'settle', 'views')).buckets, 4); // 1 (B's tail), 2, 4 (gap), 5
  assert.deepEqual(await settledCounts(reports, 'settle', 'views'), [
    ['2024-03-01', 1, '2024-03-10 08:10:00.000'], ['2024-03-02', 1, '2024-03-10 08:10:00.000'], ['2024-03-03', 0, '2024-03-10 08:10:00.000'],
    ['2024-03-04', 0, '2024-03-10 08:10:00.000'], ['2024-03-05', 0, '2024-03-10 08:10:00.000'],
  ]);
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [2, 2, 0, 0, 1]);

  await insertLoadedAt('settle', [ev('d', 'other', D(3))], T0 + 60 * MIN);
  await runOk(reports, 'settle', 'views');
  assert.deepEqual(await settledCounts(reports, 'settle', 'views'), [
    // Day 3 got an event the report does not count: its count stands as it was.
    ['2024-03-01', 2, '2024-03-10 08:50:00.000'], ['2024-03-02', 2, '2024-03-10 08:50:00.000'], ['2024-03-03', 0, '2024-03-10 08:10:00.000'],
    ['2024-03-04', 0, '2024-03-10 08:10:00.000'], ['2024-03-05', 1, '2024-03-10 08:50:00.000'],
  ]);
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [2, 2, 0, 0, 1]);
  await freshEquals(reports, 'settle', 'views', { event: 'v' });

  // A backfill recounts whole buckets, settled where the next incremental run starts reading:
  // E, loaded after that point, stays in the tail (settling it would count it again next run).
  await insertLoadedAt('settle', [ev('e', 'v', D(1))], T0 + 61 * MIN);
  await runOk(reports, 'settle', 'views');
  const backfill = await reports.service.backfill(p, 'views', '2024-03-01', '2024-03-02');
  assert.equal(backfill.status, 'finished', backfill.error);
  assert.equal(backfill.buckets, 2);
  assert.deepEqual((await settledCounts(reports, 'settle', 'views')).slice(0, 2), [
    ['2024-03-01', 2, '2024-03-10 08:51:00.000'], ['2024-03-02', 2, '2024-03-10 08:51:00.000'],
  ]);
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [3, 2, 0, 0, 1]);
  await insertLoadedAt('settle', [ev('f', 'v', D(2))], T0 + 70 * MIN);
  await runOk(reports, 'settle', 'views');
  assert.deepEqual((await reports.service.results(p, 'views')).rows.map((r) => r[2]), [3, 3, 0, 0, 1]);
  await freshEquals(reports, 'settle', 'views', { event: 'v' });
});

/** The store, with the `n`th insert into report_buckets failing while `armed`. */
function failingBucketsInsert(target: Store, n: number): { store: Store; armed: { on: boolean } } {
  const armed = { on: false };
  let seen = 0;
  const store = new Proxy(target, {
    get(t, prop) {
      if (prop === 'insertJsonRows') {
        return async (table: string, rows: string, options?: object) => {
          if (armed.on && table === 'report_buckets' && ++seen === n) throw new Error('boom: the run dies here');
          return t.insertJsonRows(table, rows, options);
        };
      }
      const v = Reflect.get(t, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { store, armed };
}

test('a run that dies after writing some buckets: the next run counts their new rows once', async () => {
  const failing = failingBucketsInsert(store, 2);
  const reports = setupReports(failing.store, { overlapMs: 0 });
  const p = reports.project('crash-counts', 'UTC');
  const start = Date.parse('2024-01-01T00:00:00Z');
  // 1,200 hours with one event each: a run touching all of them writes buckets in two inserts.
  const hours = Array.from({ length: 1200 }, (_, h) => start + h * HOUR + 5 * MIN);
  await insertLoadedAt('crash-counts', hours.map((ms) => ev('a', 'v', ms)), Date.parse('2024-03-10T08:00:00Z'));
  await reports.service.create(p, { name: 'hourly', analysis: 'trends', definition: { interval: 'hour' } });
  assert.equal((await runOk(reports, 'crash-counts', 'hourly')).buckets, 1200);

  await insertLoadedAt('crash-counts', hours.map((ms) => ev('b', 'v', ms + MIN)), Date.parse('2024-03-10T09:00:00Z'));
  failing.armed.on = true;
  const died = await reports.service.run(p, 'hourly');
  failing.armed.on = false;
  assert.equal(died.status, 'failed');
  assert.match(died.error, /boom/);
  // The first 1,000 buckets were written (and settled past the watermark), the rest were not.
  const values = (await reports.service.results(p, 'hourly')).rows.map((r) => r[2]);
  assert.deepEqual([values[0], values[999], values[1000], values[1199]], [2, 2, 1, 1]);

  await insertLoadedAt('crash-counts', [ev('c', 'v', hours[0] as number), ev('c', 'v', hours[1100] as number)], Date.parse('2024-03-10T10:00:00Z'));
  assert.equal((await runOk(reports, 'crash-counts', 'hourly')).buckets, 1200);
  const repaired = (await reports.service.results(p, 'hourly')).rows.map((r) => r[2]);
  assert.deepEqual(repaired, hours.map((_, h) => (h === 0 || h === 1100 ? 3 : 2)));
  await freshEquals(reports, 'crash-counts', 'hourly', { interval: 'hour' });
});
