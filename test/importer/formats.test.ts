/**
 * Every input format carries the same three events into the same stored rows: CSV with ',' and
 * ';', with and without a header, TSV (escapes, CRLF), NDJSON (nested values, nulls, blank
 * lines), Parquet written by the engine, and a gzip-compressed CSV.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { tempStore } from '../helpers/temp-store.js';
import { importFile, storedEvents, tempFiles, utc, type StoredEvent } from './helpers.js';

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

const MAPPING = { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' } as const;

const event = (user: string, name: string, at: string, properties: Record<string, string>): StoredEvent => ({
  person_id: user, user_id: user, anonymous_id: '', event: name, timestamp: utc(at), properties,
});

/** What every format below must store. */
const EXPECTED = (separatorNote: string): StoredEvent[] => [
  event('u2', 'search', '2024-03-01T08:05:00Z', { note: separatorNote }),
  event('u1', 'home', '2024-03-01T10:00:00Z', { price: '1.5', note: "it's" }),
  event('u1', 'payment', '2024-03-01T11:00:00Z', { price: '20', note: 'multi\nline' }),
];

test('CSV with a header, comma-separated, quoted fields with commas, quotes and line breaks', async () => {
  const path = files.write('comma.csv', [
    'user_id,event,ts,price,note',
    "u1,home,2024-03-01T10:00:00Z,1.5,it's",
    'u2,search,2024-03-01T10:05:00+02:00,,"a""b, c"',
    'u1,payment,2024-03-01 11:00:00,20,"multi\nline"',
    '',
  ].join('\n'));
  const s = await importFile(t.store, 'csv-comma', path, MAPPING);
  assert.equal(s.outcome, 'completed');
  assert.deepEqual({ read: s.rowsRead, stored: s.stored, rejected: s.rejected }, { read: 3, stored: 3, rejected: 0 });
  assert.deepEqual(await storedEvents(t.store, 'csv-comma'), EXPECTED('a"b, c'));
});

test('CSV separated by semicolons, Windows line endings', async () => {
  const path = files.write('semi.csv', [
    'user_id;event;ts;price;note',
    "u1;home;2024-03-01T10:00:00Z;1.5;it's",
    'u2;search;2024-03-01T10:05:00+02:00;;"a""b; c"',
    'u1;payment;2024-03-01 11:00:00;20;"multi\nline"',
  ].join('\r\n') + '\r\n');
  const s = await importFile(t.store, 'csv-semi', path, { ...MAPPING, delimiter: ';' });
  assert.equal(s.stored, 3);
  assert.deepEqual(await storedEvents(t.store, 'csv-semi'), EXPECTED('a"b; c'));
});

test('CSV without a header: columns named by the mapping, or c1..cN', async () => {
  const body = [
    "u1,home,2024-03-01T10:00:00Z,1.5,it's",
    'u2,search,2024-03-01T10:05:00+02:00,,"a""b, c"',
    'u1,payment,2024-03-01 11:00:00,20,"multi\nline"',
  ].join('\n');
  const path = files.write('noheader.csv', body);
  const named = await importFile(t.store, 'csv-named', path, { ...MAPPING, header: false, columns: ['user_id', 'event', 'ts', 'price', 'note'] });
  assert.equal(named.stored, 3);
  assert.deepEqual(await storedEvents(t.store, 'csv-named'), EXPECTED('a"b, c'));
  const numbered = await importFile(t.store, 'csv-numbered', path, { header: false, person: 'c1', eventColumn: 'c2', timestampColumn: 'c3' });
  assert.equal(numbered.stored, 3);
  const rows = await storedEvents(t.store, 'csv-numbered');
  assert.deepEqual(rows.map((r) => r.properties), [{ c5: 'a"b, c' }, { c4: '1.5', c5: "it's" }, { c4: '20', c5: 'multi\nline' }]);
});

test('TSV with backslash escapes and CRLF line ends', async () => {
  const path = files.write('events.tsv', [
    'user_id\tevent\tts\tprice\tnote',
    "u1\thome\t2024-03-01T10:00:00Z\t1.5\tit's",
    'u2\tsearch\t2024-03-01T10:05:00+02:00\t\ta"b\\tc',
    'u1\tpayment\t2024-03-01 11:00:00\t20\tmulti\\nline',
  ].join('\r\n') + '\r\n');
  const s = await importFile(t.store, 'tsv', path, MAPPING);
  assert.equal(s.format, 'tsv');
  assert.equal(s.stored, 3);
  assert.deepEqual(await storedEvents(t.store, 'tsv'), EXPECTED('a"b\tc'));
});

test('NDJSON: strings unquoted, numbers and booleans as written, objects and arrays as JSON text, null absent, blank lines skipped', async () => {
  const path = files.write('events.jsonl', [
    JSON.stringify({ user_id: 'u1', event: 'home', ts: '2024-03-01T10:00:00Z', price: 1.5, note: "it's" }),
    '',
    JSON.stringify({ user_id: 'u2', event: 'search', ts: '2024-03-01T10:05:00+02:00', price: null, note: 'a"b, c', tags: ['x', 1], meta: { k: true }, flag: false }),
    '   ',
    JSON.stringify({ event: 'payment', user_id: 'u1', ts: '2024-03-01 11:00:00', price: 20, note: 'multi\nline' }),
  ].join('\n'));
  const s = await importFile(t.store, 'ndjson', path, MAPPING);
  assert.equal(s.format, 'ndjson');
  assert.deepEqual({ read: s.rowsRead, stored: s.stored }, { read: 3, stored: 3 });
  const [search, ...rest] = EXPECTED('a"b, c');
  assert.deepEqual(await storedEvents(t.store, 'ndjson'), [
    { ...search!, properties: { note: 'a"b, c', tags: '["x",1]', meta: '{"k":true}', flag: 'false' } },
    ...rest,
  ]);
});

test('Parquet written by the engine: typed columns read as text, timestamps as instants', async () => {
  const path = files.path('events.parquet');
  await t.store.exec(
    `INSERT INTO FUNCTION file({path:String}, 'Parquet', 'user_id String, event String, ts DateTime64(3, \\'UTC\\'), price Nullable(Float64), note Nullable(String)')
     VALUES ('u1', 'home', '2024-03-01 10:00:00', 1.5, 'it''s'), ('u2', 'search', '2024-03-01 08:05:00', NULL, 'a"b, c'),
            ('u1', 'payment', '2024-03-01 11:00:00', 20, 'multi\\nline')`,
    { path },
  );
  const s = await importFile(t.store, 'parquet', path, MAPPING);
  assert.equal(s.format, 'parquet');
  assert.deepEqual({ read: s.rowsRead, stored: s.stored }, { read: 3, stored: 3 });
  assert.deepEqual(await storedEvents(t.store, 'parquet'), EXPECTED('a"b, c'));
});

for (const format of ['Parquet', 'CSVWithNames', 'TSVWithNames', 'JSONEachRow'] as const) {
  test(`${format}: row numbers follow file order in large files (stable event ids)`, async () => {
    const project = `order-${format}`;
    const path = files.path(`many.${{ Parquet: 'parquet', CSVWithNames: 'csv', TSVWithNames: 'tsv', JSONEachRow: 'ndjson' }[format]}`);
    await t.store.exec(
      `INSERT INTO FUNCTION file({path:String}, '${format}', 'n UInt32, user_id String')
       SELECT number, concat('u', toString(number)) FROM numbers(200000)
       SETTINGS output_format_parquet_row_group_size = 1000, engine_file_truncate_on_insert = 1`,
      { path },
    );
    const s = await importFile(t.store, project, path, { person: 'user_id', event: 'e', timestamp: '2024-01-01T00:00:00Z' });
    assert.equal(s.stored, 200000);
    // An event id ends with its row number; the file's own `n` column says which row it was.
    const [r] = await t.store.query<{ bad: number; ids: number }>(
      `SELECT toUInt32(countIf(reinterpretAsUInt64(substring(reinterpretAsString(event_id), 9, 8)) != toUInt64(properties['n']))) AS bad,
              toUInt32(uniqExact(event_id)) AS ids
       FROM ${t.store.database}.events WHERE project_id = {p:String}`,
      { p: project },
    );
    assert.deepEqual(r, { bad: 0, ids: 200000 });
  });
}

test('a gzip-compressed CSV is read through its .gz suffix', async () => {
  const csv = "user_id,event,ts,price,note\nu1,home,2024-03-01T10:00:00Z,1.5,it's\n";
  const path = files.write('events.csv.gz', gzipSync(csv));
  const s = await importFile(t.store, 'gzip', path, MAPPING);
  assert.equal(s.format, 'csv');
  assert.deepEqual(await storedEvents(t.store, 'gzip'), [event('u1', 'home', '2024-03-01T10:00:00Z', { price: '1.5', note: "it's" })]);
});
