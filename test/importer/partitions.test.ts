/**
 * Files whose rows span many partitions: `events` is partitioned by month and the live tables fed
 * from it by day, and the engine refuses an INSERT block touching more than 100 partitions
 * (max_partitions_per_insert_block). A file of 16 years of history (192 months), in time order or
 * shuffled, in one chunk or many, as CSV, NDJSON and Parquet, and a file of future dates spread
 * over 150 days, import completely with every row stored once (crashes: partitions-crash.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import type { QueryParams, Store } from '../../src/store/store.js';
import { countEvents, importFile, tempFiles } from './helpers.js';
import { csv, EXPECTED_SHAPE, FIRST_YEAR, LAST_YEAR, MONTHS, ROWS, shuffled, SPEC, storedShape } from './history-rows.js';

let t: Awaited<ReturnType<typeof tempStore>>;
let files: ReturnType<typeof tempFiles>;
before(async () => {
  t = await tempStore();
  files = tempFiles();
});
after(async () => {
  files.dispose();
  await t.dispose();
});

/** The store, recording every INSERT into events (its SQL and parameters). */
function recording(store: Store): { store: Store; inserts: { sql: string; params: QueryParams }[] } {
  const inserts: { sql: string; params: QueryParams }[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'exec') {
        return async (sql: string, params: QueryParams = {}) => {
          if (/INSERT INTO \w+\.events\b/.test(sql)) inserts.push({ sql, params });
          await target.exec(sql, params);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, inserts };
}

test(`a CSV spanning ${MONTHS} months (${FIRST_YEAR}-${LAST_YEAR}) imports completely, every row once, each insert within the partition limit`, async () => {
  const path = files.write('history.csv', csv(ROWS));
  const rec = recording(t.store);
  const started = performance.now();
  const s = await importFile(rec.store, 'csv-15y', path, SPEC);
  const ms = performance.now() - started;
  assert.deepEqual({ outcome: s.outcome, read: s.rowsRead, stored: s.stored, already: s.alreadyStored, rejected: s.rejected },
    { outcome: 'completed', read: ROWS.length, stored: ROWS.length, already: 0, rejected: 0 });
  assert.deepEqual(await storedShape(t.store, 'csv-15y'), EXPECTED_SHAPE);
  // One chunk, split into statements of at most 90 months each (192 = 90 + 90 + 12): the first
  // ones name their months, the last takes the rest; months travel as parameters, not SQL text.
  assert.equal(rec.inserts.length, 3);
  for (const insert of rec.inserts) assert.doesNotMatch(insert.sql, /20[12]\d[01]\d/);
  const covered = rec.inserts.map((i) => (i.params.units as number[] | undefined)?.length ?? MONTHS - (i.params.earlier_units as number[]).length);
  assert.deepEqual(covered, [90, 90, 12]);
  assert.deepEqual(rec.inserts.map((i) => i.params.token === undefined ? '' : String(i.params.token).split(':')[4]), ['events', 'events', 'events']);
  assert.equal(new Set(rec.inserts.map((i) => i.params.token)).size, 3, 'every statement has its own deduplication token');
  console.log(`# ${ROWS.length} rows over ${MONTHS} months imported in ${ms.toFixed(0)} ms`);
  // Importing it again stores nothing new.
  const again = await importFile(t.store, 'csv-15y', path, SPEC);
  assert.deepEqual({ stored: again.stored, already: again.alreadyStored }, { stored: 0, already: ROWS.length });
  assert.deepEqual(await countEvents(t.store, 'csv-15y'), { rows: ROWS.length, ids: ROWS.length });
});

test('a file whose rows span few months is stored with one statement, as before', async () => {
  const path = files.write('recent.csv', csv(ROWS.slice(0, 3 * 24)));
  const rec = recording(t.store);
  const s = await importFile(rec.store, 'csv-2y', path, SPEC);
  assert.equal(s.stored, 72);
  assert.equal(rec.inserts.length, 1);
});

test('NDJSON spanning the same months, shuffled, in chunks of 150 rows that each span more than 100 months', async () => {
  const rows = shuffled(ROWS);
  const path = files.write('history.ndjson', rows.map((r) => JSON.stringify({ user_id: r.user, event: r.event, ts: new Date(r.ms).toISOString(), n: String(ROWS.indexOf(r)) })).join('\n') + '\n');
  const s = await importFile(t.store, 'ndjson-15y', path, SPEC, { chunkRows: 150 });
  assert.deepEqual({ outcome: s.outcome, stored: s.stored, rejected: s.rejected }, { outcome: 'completed', stored: ROWS.length, rejected: 0 });
  assert.deepEqual(await storedShape(t.store, 'ndjson-15y'), EXPECTED_SHAPE);
});

test('Parquet (written by the engine) spanning the same months', async () => {
  const path = files.path('history.parquet');
  await t.store.exec(
    `INSERT INTO FUNCTION file({path:String}, 'Parquet', 'user_id String, event String, ts DateTime64(3, \\'UTC\\'), n UInt32')
     SELECT u, e, fromUnixTimestamp64Milli(ms, 'UTC'), i FROM (
       SELECT arrayJoin(arrayZip({u:Array(String)}, {e:Array(String)}, {ms:Array(Int64)}, range(length({u:Array(String)})))) AS r,
         r.1 AS u, r.2 AS e, r.3 AS ms, toUInt32(r.4) AS i)
     SETTINGS engine_file_truncate_on_insert = 1`,
    { path, u: ROWS.map((r) => r.user), e: ROWS.map((r) => r.event), ms: ROWS.map((r) => r.ms) },
  );
  const s = await importFile(t.store, 'parquet-15y', path, SPEC);
  assert.deepEqual({ format: s.format, outcome: s.outcome, stored: s.stored }, { format: 'parquet', outcome: 'completed', stored: ROWS.length });
  assert.deepEqual(await storedShape(t.store, 'parquet-15y'), EXPECTED_SHAPE);
});

test('future dates on 150 different days (the live tables are partitioned by day) import completely', async () => {
  // Rows from 30 days ahead onwards reach the live tables (they take everything newer than 8
  // days ago), one daily partition per day, though they touch only six monthly ones of events.
  const start = Date.UTC(new Date().getUTCFullYear() + 1, 0, 1);
  const rows = Array.from({ length: 150 }, (_, i) => ({ user: `f${i % 9}`, event: 'planned', ms: start + i * 86_400_000 + (i % 24) * 3_600_000 }));
  const path = files.write('future.csv', csv(rows));
  const s = await importFile(t.store, 'future', path, SPEC);
  assert.deepEqual({ outcome: s.outcome, stored: s.stored, rejected: s.rejected }, { outcome: 'completed', stored: 150, rejected: 0 });
  assert.deepEqual(await countEvents(t.store, 'future'), { rows: 150, ids: 150 });
  const [live] = await t.store.query<{ n: number; days: number }>(
    `SELECT toUInt32(count()) AS n, toUInt32(uniqExact(toDate(timestamp))) AS days FROM ${t.store.database}.live_points
     WHERE project_id = 'future' AND NOT prop`);
  assert.deepEqual(live, { n: 150, days: 150 });
});
