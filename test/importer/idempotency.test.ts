/**
 * Importing the same file twice stores its rows once; an import stopped between chunks, or
 * crashing inside one, is completed by running it again, with every row stored exactly once and
 * no quarantined row repeated. (Real SIGINT/SIGKILL of the CLI: interrupt.test.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { countEvents, crashingAfter, importFile, quarantined, storedEvents, tempFiles } from './helpers.js';

let t: Awaited<ReturnType<typeof tempStore>>;
let files: ReturnType<typeof tempFiles>;
let csv: string;
const ROWS = 1000;
const BAD = [17, 450, 999];
before(async () => {
  t = await tempStore();
  files = tempFiles();
  const lines = ['user_id,device_id,event,ts,n'];
  for (let i = 0; i < ROWS; i++) {
    // Rows span three months (three partitions), a few carry both ids, a few are bad.
    const ts = BAD.includes(i) ? 'not a time' : new Date(Date.UTC(2024, i % 3, 1 + (i % 28), i % 24)).toISOString();
    lines.push(`u${i % 97},${i % 10 === 0 ? `d${i % 13}` : ''},e${i % 4},${ts},${i}`);
  }
  csv = files.write('big.csv', lines.join('\n') + '\n');
});
after(async () => {
  files.dispose();
  await t.dispose();
});

const SPEC = { person: 'user_id', anonymous: 'device_id', eventColumn: 'event', timestampColumn: 'ts', maxErrors: 10 } as const;
const GOOD = ROWS - BAD.length;

async function quarantineLines(project: string): Promise<number[]> {
  return (await quarantined(t.store, project)).map((q) => q.line);
}

test('importing the same file twice stores its events once and quarantines its bad rows once', async () => {
  const first = await importFile(t.store, 'twice', csv, SPEC, { chunkRows: 128 });
  assert.deepEqual({ stored: first.stored, already: first.alreadyStored, rejected: first.rejected }, { stored: GOOD, already: 0, rejected: 3 });
  const second = await importFile(t.store, 'twice', csv, SPEC, { chunkRows: 128 });
  assert.deepEqual({ outcome: second.outcome, stored: second.stored, already: second.alreadyStored }, { outcome: 'completed', stored: 0, already: GOOD });
  assert.deepEqual(await countEvents(t.store, 'twice'), { rows: GOOD, ids: GOOD });
  assert.deepEqual(await quarantineLines('twice'), BAD.map((i) => i + 2));
});

test('the same rows under another file name are the same events; the same rows as another page are not', async () => {
  const page = 'user_id\nu1\nu2\nu3\n';
  const home = files.write('home.csv', page);
  const copy = files.write('home-copy.csv', page);
  const search = files.write('search.csv', page);
  const spec = { person: 'user_id', timestamp: '2024-01-01T00:00:00Z' };
  assert.equal((await importFile(t.store, 'pages', home, { ...spec, event: 'home' })).stored, 3);
  assert.equal((await importFile(t.store, 'pages', copy, { ...spec, event: 'home' })).alreadyStored, 3);
  assert.equal((await importFile(t.store, 'pages', search, { ...spec, event: 'search' })).stored, 3);
  assert.deepEqual((await storedEvents(t.store, 'pages')).map((e) => `${e.person_id}:${e.event}`),
    ['u1:home', 'u1:search', 'u2:home', 'u2:search', 'u3:home', 'u3:search']);
  // The same file in another project is that project's own import.
  assert.equal((await importFile(t.store, 'pages-2', home, { ...spec, event: 'home' })).stored, 3);
});

test('stopped between chunks, then run again: completed, every row once', async () => {
  const abort = new AbortController();
  const stopped = await importFile(t.store, 'stopped', csv, SPEC, {
    chunkRows: 100,
    signal: abort.signal,
    onProgress: (p) => {
      if (p.phase === 'storing' && p.rowsDone >= 300) abort.abort();
    },
  });
  assert.equal(stopped.outcome, 'interrupted');
  const partial = await countEvents(t.store, 'stopped');
  assert.ok(partial.rows > 0 && partial.rows < GOOD, `partial ${partial.rows}`);
  assert.equal(partial.rows, stopped.stored);
  const rerun = await importFile(t.store, 'stopped', csv, SPEC, { chunkRows: 100 });
  assert.deepEqual({ outcome: rerun.outcome, total: rerun.stored + rerun.alreadyStored }, { outcome: 'completed', total: GOOD });
  assert.deepEqual(await countEvents(t.store, 'stopped'), { rows: GOOD, ids: GOOD });
  assert.deepEqual(await quarantineLines('stopped'), BAD.map((i) => i + 2));
});

for (const [where, pattern, nth] of [
  ['right after the import started', /INSERT INTO \w+\.event_ids/, 1],
  ['after two chunks were done', /INSERT INTO \w+\.event_ids/, 3],
  ['inside a chunk, after quarantining its bad rows', /INSERT INTO \w+\.rejected_events/, 2],
  ['inside a chunk, after storing its events', /INSERT INTO \w+\.events/, 3],
  ['inside a chunk, after linking identities', /INSERT INTO \w+\.person_aliases/, 2],
] as const) {
  test(`a crash ${where}: the next run completes the import exactly, even chunked differently`, async () => {
    const project = `crash-${where.replace(/\W+/g, '-')}`;
    await assert.rejects(
      importFile(crashingAfter(t.store, pattern, nth), project, csv, SPEC, { chunkRows: 300 }),
      /simulated crash/,
    );
    // Another chunk size: no chunk of the rerun matches one of the crashed run.
    const rerun = await importFile(t.store, project, csv, SPEC, { chunkRows: 128 });
    assert.equal(rerun.outcome, 'completed');
    assert.equal(rerun.stored + rerun.alreadyStored, GOOD);
    assert.deepEqual(await countEvents(t.store, project), { rows: GOOD, ids: GOOD });
    assert.deepEqual(await quarantineLines(project), BAD.map((i) => i + 2));
    const [aliases] = await t.store.query<{ n: number }>(
      `SELECT toUInt32(count()) AS n FROM (SELECT DISTINCT distinct_id, person_id FROM ${t.store.database}.person_aliases WHERE project_id = {p:String})`, { p: project });
    const [expected] = await t.store.query<{ n: number }>(
      `SELECT toUInt32(uniqExact(anonymous_id, user_id)) AS n FROM ${t.store.database}.events WHERE project_id = {p:String} AND anonymous_id != ''`, { p: project });
    assert.ok((aliases?.n ?? 0) >= 1 && (aliases?.n ?? 0) <= (expected?.n ?? 0));
  });
}

test('a crash that leaves the token of an events insert recorded and its rows lost: the rerun, chunked alike, still stores them', async () => {
  const project = 'crash-token-kept-rows-lost';
  const losing = crashingAfter(t.store, /INSERT INTO \w+\.events/, 2, project);
  await assert.rejects(importFile(losing, project, csv, SPEC, { chunkRows: 300 }), /simulated crash/);
  const rerun = await importFile(t.store, project, csv, SPEC, { chunkRows: 300 });
  assert.equal(rerun.outcome, 'completed');
  assert.deepEqual(await countEvents(t.store, project), { rows: GOOD, ids: GOOD });
});

test('a persons table imported twice keeps one value per person and key', async () => {
  const path = files.write('users.csv', 'user_id,plan,country\nu1,pro,DE\nu2,free,\n');
  assert.equal((await importFile(t.store, 'people', path, { kind: 'persons', person: 'user_id' })).stored, 2);
  assert.equal((await importFile(t.store, 'people', path, { kind: 'persons', person: 'user_id' })).alreadyStored, 2);
  const rows = await t.store.query<{ person_id: string; key: string; value: string }>(
    `SELECT person_id, key, value FROM ${t.store.database}.person_properties WHERE project_id = 'people' ORDER BY person_id, key`);
  assert.deepEqual(rows, [
    { person_id: 'u1', key: 'country', value: 'DE' },
    { person_id: 'u1', key: 'plan', value: 'pro' },
    { person_id: 'u2', key: 'plan', value: 'free' },
  ]);
});
