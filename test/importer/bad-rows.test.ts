/**
 * Every way a row can be bad ends in the quarantine with file, line, reason and the raw row, or
 * (over max-errors) stops the import before anything is stored. Every way a request can be bad
 * is refused up front with a message naming what to fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tempStore } from '../helpers/temp-store.js';
import { ImportError } from '../../src/importer/import-error.js';
import { countEvents, importFile, quarantined, storedEvents, tempFiles } from './helpers.js';

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

const EVENTS = { person: 'user_id', anonymous: 'device_id', eventColumn: 'event', timestampColumn: 'ts' } as const;

test('CSV: unparsable quotes, missing and extra fields, empty ids, event and time, all quarantined with line numbers', async () => {
  const path = files.write('dirty.csv', [
    'user_id,device_id,event,ts,note', // line 1
    'u1,,home,2024-01-01T00:00:00Z,ok', // 2 stored
    'u2,,home,2024-01-01T00:00:00Z,"a"b', // 3 quote in the middle of a field
    'u3,,home,2024-01-01T00:00:00Z', // 4 one field short
    'u4,,home,2024-01-01T00:00:00Z,x,extra', // 5 one field too many
    ',,home,2024-01-01T00:00:00Z,x', // 6 no user id, no device id
    ',d5,home,2024-01-01T00:00:00Z,x', // 7 stored: the device id is the person
    'u6,,,2024-01-01T00:00:00Z,x', // 8 no event name
    'u7,,home,,x', // 9 no time
    'u8,,home,31/12/2023,x', // 10 unreadable time
    'u9,,home,2024-01-01T00:00:00Z,last', // 11 stored (numbering survives the unparsable row)
  ].join('\n') + '\n');
  const s = await importFile(t.store, 'dirty', path, { ...EVENTS, maxErrors: 10 });
  assert.equal(s.outcome, 'completed');
  assert.deepEqual({ read: s.rowsRead, stored: s.stored, rejected: s.rejected }, { read: 10, stored: 3, rejected: 7 });
  assert.deepEqual(s.reasons, { field_count: 2, invalid_timestamp: 1, malformed_row: 1, missing_event: 1, missing_identity: 1, missing_timestamp: 1 });
  assert.deepEqual((await storedEvents(t.store, 'dirty')).map((e) => e.person_id).sort(), ['d5', 'u1', 'u9']);
  const q = await quarantined(t.store, 'dirty');
  assert.deepEqual(q.map((r) => [r.line, r.reason]), [
    [3, 'malformed_row'], [4, 'field_count'], [5, 'field_count'], [6, 'missing_identity'], [8, 'missing_event'], [9, 'missing_timestamp'], [10, 'invalid_timestamp'],
  ]);
  assert.ok(q.every((r) => r.source === 'import' && r.file === 'dirty.csv'));
  const byLine = new Map(q.map((r) => [r.line, r]));
  assert.equal(byLine.get(3)?.payload, 'u2,,home,2024-01-01T00:00:00Z,"a"b');
  assert.match(byLine.get(3)?.errors[0] ?? '', /^cannot parse the row: /);
  assert.deepEqual(JSON.parse(byLine.get(4)?.payload ?? ''), { user_id: 'u3', device_id: '', event: 'home', ts: '2024-01-01T00:00:00Z', note: null });
  assert.deepEqual(byLine.get(4)?.errors, ['the row has fewer fields than the header (5)']);
  assert.deepEqual(byLine.get(5)?.errors, ['the row has more fields than the header (5)']);
  assert.deepEqual(byLine.get(6)?.errors, ['no user id or anonymous id ("user_id", "device_id" empty)']);
  assert.deepEqual(byLine.get(8)?.errors, ['event column "event" is empty']);
  assert.deepEqual(byLine.get(9)?.errors, ['timestamp column "ts" is empty']);
  assert.match(byLine.get(10)?.errors[0] ?? '', /^cannot read "31\/12\/2023" from column "ts"/);
  // The samples in the summary are the first bad rows, by line.
  assert.deepEqual(s.samples.map((x) => x.line), [3, 4, 5, 6, 8, 9, 10]);
});

test('one row with several problems lists them all; the first is its reason', async () => {
  const path = files.write('many.csv', 'user_id,device_id,event,ts\n,,,nope\n');
  const s = await importFile(t.store, 'many', path, { ...EVENTS, maxErrors: 1 });
  assert.equal(s.rejected, 1);
  const [q] = await quarantined(t.store, 'many');
  assert.equal(q?.reason, 'missing_identity');
  assert.equal(q?.errors.length, 3);
});

test('NDJSON: broken lines and non-objects are rejected one line each, exact line numbers', async () => {
  const path = files.write('dirty.ndjson', [
    '{"user_id":"u1","event":"a","ts":"2024-01-01T00:00:00Z"}',
    '{"user_id":"u2","event":"a","ts":', // cut off
    '',
    '[1,2]',
    '"text"',
    '{"user_id":"u3","event":"a","ts":"2024-01-01T00:00:00Z"}',
    '{"user_id":null,"event":"a","ts":"2024-01-01T00:00:00Z"}',
  ].join('\n'));
  const s = await importFile(t.store, 'ndjson', path, { ...EVENTS, maxErrors: 10 });
  assert.deepEqual({ read: s.rowsRead, stored: s.stored }, { read: 6, stored: 2 });
  const q = await quarantined(t.store, 'ndjson');
  assert.deepEqual(q.map((r) => [r.line, r.reason, r.payload]), [
    [2, 'not_an_object', '{"user_id":"u2","event":"a","ts":'],
    [4, 'not_an_object', '[1,2]'],
    [5, 'not_an_object', '"text"'],
    [7, 'missing_identity', '{"user_id":null,"event":"a","ts":"2024-01-01T00:00:00Z"}'],
  ]);
});

test('persons: rows without a user id and unreadable updated-at times are quarantined', async () => {
  const path = files.write('people.csv', 'user_id,plan,seen\nu1,pro,2024-01-01\n,free,2024-01-01\nu3,free,soon\nu4,,\n');
  const s = await importFile(t.store, 'people', path, { kind: 'persons', person: 'user_id', updatedAtColumn: 'seen', maxErrors: 5 });
  assert.deepEqual({ stored: s.stored, rejected: s.rejected, reasons: s.reasons }, { stored: 1, rejected: 3, reasons: { invalid_timestamp: 1, missing_identity: 1, missing_timestamp: 1 } });
  assert.deepEqual((await quarantined(t.store, 'people')).map((r) => [r.line, r.reason]), [[3, 'missing_identity'], [4, 'invalid_timestamp'], [5, 'missing_timestamp']]);
});

test('over max-errors nothing is stored and nothing quarantined; the summary shows why', async () => {
  const path = files.write('mostly-bad.csv', 'user_id,device_id,event,ts\nu1,,a,2024-01-01\nu2,,a,never\nu3,,a,later\n');
  const s = await importFile(t.store, 'over', path, { ...EVENTS, maxErrors: 1 });
  assert.equal(s.outcome, 'too_many_errors');
  assert.deepEqual({ stored: s.stored, rejected: s.rejected, reasons: s.reasons }, { stored: 0, rejected: 2, reasons: { invalid_timestamp: 2 } });
  assert.deepEqual(s.samples.map((x) => x.line), [3, 4]);
  assert.deepEqual(await countEvents(t.store, 'over'), { rows: 0, ids: 0 });
  assert.deepEqual(await quarantined(t.store, 'over'), []);
  // At the threshold the good rows are stored and the bad ones quarantined.
  const at = await importFile(t.store, 'over', path, { ...EVENTS, maxErrors: 2 });
  assert.deepEqual({ outcome: at.outcome, stored: at.stored }, { outcome: 'completed', stored: 1 });
  assert.equal((await quarantined(t.store, 'over')).length, 2);
});

test('a wrong delimiter shows up as one unknown column, not as garbage rows', async () => {
  const path = files.write('semi.csv', 'user_id;event;ts\nu1;a;2024-01-01\n');
  await assert.rejects(importFile(t.store, 'delim', path, { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' }), (err: Error) =>
    err instanceof ImportError && /no column "user_id" \(person\).*"user_id;event;ts"/.test(err.message));
});

async function refused(spec: Record<string, unknown>, path: string, message: RegExp, extra: { fileName?: string } = {}) {
  await assert.rejects(importFile(t.store, 'refused', path, spec, extra), (err: Error) => {
    assert.ok(err instanceof ImportError, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

test('bad requests are refused before anything is stored, naming what to fix', async () => {
  const good = files.write('good.csv', 'user_id,event,ts\nu1,a,2024-01-01\n');
  const spec = { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' };
  await refused({ ...spec, person: 'uid' }, good, /no column "uid" \(person\); its columns are: "user_id", "event", "ts"/);
  await refused({ ...spec, properties: ['nope'] }, good, /no column "nope" \(properties\)/);
  await refused({ ...spec, columnMap: { country: 'land' } }, good, /no column "land" \(columnMap.country\)/);
  await refused({ eventColumn: 'event', timestampColumn: 'ts' }, good, /person: name the user id column/);
  await refused({ person: 'user_id', timestampColumn: 'ts' }, good, /event: give exactly one of eventColumn/);
  await refused({ person: 'user_id', event: 'a' }, good, /timestampColumn: give exactly one of/);
  await refused({ ...spec, timestamp: '2024-01-01' }, good, /timestampColumn: give exactly one of/);
  await refused({ ...spec, delimiter: ';;' }, good, /delimiter: expected one ASCII character/);
  await refused({ ...spec, format: 'tsv', delimiter: ';' }, good, /delimiter: only for csv/);
  await refused({ ...spec, timezone: 'Mars/Olympus' }, good, /timezone: unknown time zone/);
  await refused({ ...spec, timestampFrom: 'users:signup' }, good, /expected persons:PROPERTY/);
  await refused({ ...spec, unknownKey: 1 }, good, /Unrecognized key/i);
  await refused({ kind: 'persons', person: 'user_id', event: 'x' }, good, /event: only for kind events/);
  await refused({ ...spec, columns: ['a', 'a', 'b'] }, good, /columns: names appear more than once: a/);
  await refused({ ...spec, columns: ['a', 'b'] }, good, /columns names 2 column\(s\) but the header of good.csv has 3/);
  await refused({ ...spec, format: 'ndjson', columns: ['a'] }, good, /ndjson files name their own fields/);
  await refused(spec, files.write('dup.csv', 'user_id,event,event\nu1,a,b\n'), /names "event" more than once/);
  await refused(spec, files.write('blank.csv', 'user_id,,ts\nu1,a,b\n'), /no name for column\(s\) 2/);
  await refused(spec, files.write('empty.csv', ''), /cannot read the first line of empty.csv/);
  await refused(spec, files.write('data.txt', 'x'), /cannot tell the format of .*data.txt from its name/);
  await refused(spec, files.path('missing.csv'), /cannot read .*missing.csv: no such file/);
  const dir = files.path('a-directory.csv');
  mkdirSync(dir);
  await refused(spec, dir, /is not a regular file/);
  await refused(spec, files.write('broken.parquet', 'not parquet at all'), /cannot read broken.parquet as parquet/);
});

test('a file with only a header stores nothing and completes', async () => {
  const path = files.write('header-only.csv', 'user_id,event,ts\n');
  const s = await importFile(t.store, 'header-only', path, { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' });
  assert.deepEqual({ outcome: s.outcome, read: s.rowsRead, stored: s.stored }, { outcome: 'completed', read: 0, stored: 0 });
});
