/**
 * Every way a timestamp arrives: ISO 8601 with offsets, naive times in a zone (the project's by
 * default), dates, epoch seconds and milliseconds, the free forms on request, one constant, and
 * a person's property; ambiguous or impossible text is rejected, never guessed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempStore } from '../helpers/temp-store.js';
import { importFile, quarantined, storedEvents, tempFiles, utc } from './helpers.js';

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

/** One event per row, named after its row, so each stored time can be matched to its text. */
async function times(project: string, values: readonly string[], spec: Record<string, unknown> = {}, timezone = 'UTC') {
  const path = files.write(`${project}.csv`, ['id,ts', ...values.map((v, i) => `r${i},${JSON.stringify(v)}`)].join('\n'));
  const summary = await importFile(t.store, project, path, { person: 'id', eventColumn: 'id', timestampColumn: 'ts', maxErrors: 1000, ...spec }, { timezone });
  const stored = Object.fromEntries((await storedEvents(t.store, project)).map((e) => [e.event, e.timestamp]));
  const rejected = Object.fromEntries((await quarantined(t.store, project)).map((q) => [values[q.line - 2] ?? '?', q.reason]));
  return { summary, stored: values.map((_, i) => stored[`r${i}`] ?? null), rejected };
}

test('auto: ISO with offsets, naive times and dates in the given zone, epoch seconds and milliseconds', async () => {
  const values = [
    '2018-10-01T13:54:59-04:00',
    '2018-10-01T13:54:59 -0400',
    '2018-10-01T17:54:59.250Z',
    '2018-10-01 13:54:59', // New York summer time (UTC-4)
    '2018-12-01 13:54:59', // New York winter time (UTC-5)
    '2018-10-01', // midnight in New York
    '2018-10-01T13:54:59',
    '1538416499', // epoch seconds
    '1538416499.5',
    '1538416499123', // epoch milliseconds
    '946684800', // 9 digits: 2000-01-01
  ];
  const r = await times('auto', values, { timezone: 'America/New_York' });
  assert.deepEqual(r.stored, [
    '2018-10-01T17:54:59.000Z',
    '2018-10-01T17:54:59.000Z',
    '2018-10-01T17:54:59.250Z',
    '2018-10-01T17:54:59.000Z',
    '2018-12-01T18:54:59.000Z',
    '2018-10-01T04:00:00.000Z',
    '2018-10-01T17:54:59.000Z',
    '2018-10-01T17:54:59.000Z',
    '2018-10-01T17:54:59.500Z',
    '2018-10-01T17:54:59.123Z',
    '2000-01-01T00:00:00.000Z',
  ]);
  assert.equal(r.summary.rejected, 0);
});

test('auto refuses what it would have to guess, and impossible dates', async () => {
  const values = ['13', '01/02/2024', '20240101', 'yesterday', '2024-02-30', '2018-10-01 25:00:00', '99999999999999', '2018-10-01T13:54:59+25:00', '1e9'];
  const r = await times('ambiguous', values);
  assert.deepEqual(r.stored, values.map(() => null));
  assert.deepEqual(r.rejected, Object.fromEntries(values.map((v) => [v, 'invalid_timestamp'])));
  const [first] = await quarantined(t.store, 'ambiguous');
  assert.match(first?.errors[0] ?? '', /^cannot read "13" from column "ts" as ISO 8601/);
});

test('an empty timestamp cell and an out-of-range instant are rejected with their own reasons and messages', async () => {
  const r = await times('range', ['', '1899-12-31T23:59:59Z', '2300-01-01T00:00:00Z', '2299-12-31T23:59:59Z']);
  assert.deepEqual(r.stored, [null, null, null, '2299-12-31T23:59:59.000Z']);
  const q = await quarantined(t.store, 'range');
  assert.deepEqual(q.map((x) => [x.line, x.reason]), [[2, 'missing_timestamp'], [3, 'timestamp_out_of_range'], [4, 'timestamp_out_of_range']]);
  assert.equal(q[1]?.errors[0], '"1899-12-31T23:59:59Z" from column "ts" is 1899-12-31T23:59:59.000Z, outside the times events can have (1970-01-01T00:00:00Z to 2299-12-31T23:59:59.999Z); correct the value or its format, or leave the row out');
});

test('times from 1970-01-01T00:00:00Z up to 2299-12-31 are stored; earlier and later ones are quarantined as timestamp_out_of_range, the rest loads', async () => {
  const inRange = ['1970-01-01T00:00:00Z', '1970-01-01 01:00:00', '2299-12-31T23:59:59.999Z', '2024-05-01T10:00:00Z'];
  // A naive time just after midnight in Berlin is still 1969 in UTC; years 1 and 9999 are read
  // as written, then refused (never clamped into the range).
  const outside = ['1969-12-31T23:59:59.999Z', '1970-01-01 00:30:00', '1900-01-01T00:00:00Z', '0001-01-01', '2300-01-01T00:00:00Z', '9999-12-31T23:59:59Z'];
  const r = await times('epoch-range', [...inRange, ...outside], {}, 'Europe/Berlin');
  assert.deepEqual(r.stored, [
    '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2299-12-31T23:59:59.999Z', '2024-05-01T10:00:00.000Z',
    ...outside.map(() => null),
  ]);
  assert.deepEqual({ outcome: r.summary.outcome, stored: r.summary.stored, reasons: r.summary.reasons },
    { outcome: 'completed', stored: inRange.length, reasons: { timestamp_out_of_range: outside.length } });
  assert.deepEqual(r.rejected, Object.fromEntries(outside.map((v) => [v, 'timestamp_out_of_range'])));
  const q = await quarantined(t.store, 'epoch-range');
  assert.deepEqual(q.map((x) => [x.source, x.file, x.payload]), outside.map((v, i) => ['import', 'epoch-range.csv', JSON.stringify({ id: `r${inRange.length + i}`, ts: v })]));
  assert.match(q[1]?.errors[0] ?? '', /^"1970-01-01 00:30:00" from column "ts" is 1969-12-31T23:30:00\.000Z, outside the times events can have \(1970-01-01T00:00:00Z to 2299-12-31T23:59:59\.999Z\)/);
  assert.match(q[5]?.errors[0] ?? '', /^"9999-12-31T23:59:59Z" from column "ts" is 9999-12-31T23:59:59\.000Z, outside/);
});

test('explicit epoch formats: negative numbers are before 1970 and quarantined; a persons table refuses such update times too', async () => {
  const s = await times('epoch-negative', ['-1', '0', '1000'], { timestampFormat: 'epoch_ms' });
  assert.deepEqual(s.stored, [null, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:01.000Z']);
  assert.deepEqual(s.rejected, { '-1': 'timestamp_out_of_range' });
  assert.deepEqual((await times('epoch-s-negative', ['-86400', '86400'], { timestampFormat: 'epoch_s' })).rejected, { '-86400': 'timestamp_out_of_range' });
  const users = files.write('users-range.csv', 'user_id,plan,seen\nu1,pro,1969-07-20\nu2,free,2020-01-01\n');
  const p = await importFile(t.store, 'persons-range', users, { kind: 'persons', person: 'user_id', updatedAtColumn: 'seen', maxErrors: 1 });
  assert.deepEqual({ stored: p.stored, reasons: p.reasons }, { stored: 1, reasons: { timestamp_out_of_range: 1 } });
  const [q] = await quarantined(t.store, 'persons-range');
  assert.equal(q?.errors[0], '"1969-07-20" from column "seen" is 1969-07-20T00:00:00.000Z, outside the times events can have (1970-01-01T00:00:00Z to 2299-12-31T23:59:59.999Z); correct the value or its format, or leave the row out');
});

test('with the default max-errors of 0, one out-of-range row refuses the whole import and nothing is stored', async () => {
  const path = files.write('strict-range.csv', 'id,ts\nr0,2024-01-01T00:00:00Z\nr1,1960-01-01T00:00:00Z\n');
  const s = await importFile(t.store, 'strict-range', path, { person: 'id', eventColumn: 'id', timestampColumn: 'ts' });
  assert.deepEqual({ outcome: s.outcome, stored: s.stored, reasons: s.reasons, sample: s.samples[0]?.line }, { outcome: 'too_many_errors', stored: 0, reasons: { timestamp_out_of_range: 1 }, sample: 3 });
  assert.deepEqual(await storedEvents(t.store, 'strict-range'), []);
});

test('explicit formats: epoch_s, epoch_ms, best_effort (day first), us (month first), iso', async () => {
  assert.deepEqual((await times('es', ['0', '1538416499', '1538416499.25', 'x'], { timestampFormat: 'epoch_s' })).stored,
    ['1970-01-01T00:00:00.000Z', '2018-10-01T17:54:59.000Z', '2018-10-01T17:54:59.250Z', null]);
  assert.deepEqual((await times('ems', ['1538416499123', '1000', '1.5'], { timestampFormat: 'epoch_ms' })).stored,
    ['2018-10-01T17:54:59.123Z', '1970-01-01T00:00:01.000Z', null]);
  assert.deepEqual((await times('be', ['01/02/2024 10:00', 'Oct 1 2018 13:54'], { timestampFormat: 'best_effort' })).stored,
    ['2024-02-01T10:00:00.000Z', '2018-10-01T13:54:00.000Z']);
  assert.deepEqual((await times('us', ['01/02/2024 10:00'], { timestampFormat: 'us' })).stored, ['2024-01-02T10:00:00.000Z']);
  assert.deepEqual((await times('iso', ['2024-01-02', '1538416499'], { timestampFormat: 'iso' })).stored, ['2024-01-02T00:00:00.000Z', null]);
});

test('naive times default to the project time zone', async () => {
  const r = await times('project-zone', ['2024-01-15 09:00:00', '2024-01-15T09:00:00Z'], {}, 'Asia/Tokyo');
  assert.deepEqual(r.stored, ['2024-01-15T00:00:00.000Z', '2024-01-15T09:00:00.000Z']);
});

test('a constant timestamp for a file without times; a date alone is midnight in the zone', async () => {
  const path = files.write('home.csv', 'user_id,page\nu1,home_page\nu2,home_page\n');
  await importFile(t.store, 'const', path, { person: 'user_id', event: 'home', timestamp: '2024-01-01T00:00:00Z' });
  assert.deepEqual((await storedEvents(t.store, 'const')).map((e) => [e.person_id, e.event, e.timestamp, e.properties]), [
    ['u1', 'home', '2024-01-01T00:00:00.000Z', { page: 'home_page' }],
    ['u2', 'home', '2024-01-01T00:00:00.000Z', { page: 'home_page' }],
  ]);
  await importFile(t.store, 'const-date', path, { person: 'user_id', event: 'home', timestamp: '2024-01-01', timezone: 'Europe/Berlin' });
  assert.deepEqual((await storedEvents(t.store, 'const-date')).map((e) => e.timestamp), ['2023-12-31T23:00:00.000Z', '2023-12-31T23:00:00.000Z']);
});

test('timestamps from a person property (signup date), imported from a users table first', async () => {
  const users = files.write('users.csv', 'user_id,date,device\nu1,2015-02-28,Desktop\nu2,2015-03-01 10:30:00,Mobile\nu3,,Mobile\n');
  const persons = await importFile(t.store, 'from-persons', users, { kind: 'persons', person: 'user_id' }, { timezone: 'America/New_York' });
  assert.equal(persons.stored, 3);
  const pages = files.write('pages.csv', 'user_id,page\nu1,home_page\nu2,home_page\nu3,home_page\nu4,home_page\n');
  const s = await importFile(t.store, 'from-persons', pages, { person: 'user_id', eventColumn: 'page', timestampFrom: 'persons:date', maxErrors: 2 }, { timezone: 'America/New_York' });
  assert.deepEqual({ stored: s.stored, rejected: s.rejected, reasons: s.reasons }, { stored: 2, rejected: 2, reasons: { missing_person_timestamp: 2 } });
  assert.deepEqual((await storedEvents(t.store, 'from-persons')).map((e) => [e.person_id, e.timestamp]), [
    ['u1', '2015-02-28T05:00:00.000Z'],
    ['u2', '2015-03-01T15:30:00.000Z'],
  ]);
  const q = await quarantined(t.store, 'from-persons');
  assert.deepEqual(q.map((x) => [x.line, x.errors[0]]), [
    [4, 'person "u3" has no property "date" (import the persons table first)'],
    [5, 'person "u4" has no property "date" (import the persons table first)'],
  ]);
});

/** India has kept UTC+5:30 without daylight saving since 1945: every naive wall time there is one instant. */
const NAIVE_ZONE = 'Asia/Kolkata';
const NAIVE_OFFSET_MIN = 330;

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
function wall(ms: number, offsetMin: number): string {
  return new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23).replace('T', ' ');
}
function offsetText(min: number): string {
  return `${min < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(min) / 60))}:${pad(Math.abs(min) % 60)}`;
}

test('property: any instant written as ISO with an offset, naive in a zone, epoch s or epoch ms is stored as that instant', async () => {
  const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) });
  const written = fc.tuple(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.constantFrom('iso', 'naive', 'epoch_s', 'epoch_ms')).map(([ms, offset, form]) => {
    switch (form) {
      case 'iso':
        return { ms, text: `${wall(ms, offset).replace(' ', 'T')}${offsetText(offset)}` };
      case 'naive':
        return { ms, text: wall(ms, NAIVE_OFFSET_MIN) };
      case 'epoch_s':
        return { ms, text: `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}` };
      default:
        return { ms, text: String(ms) };
    }
  });
  let run = 0;
  await fc.assert(fc.asyncProperty(fc.array(written, { minLength: 1, maxLength: 40 }), async (rows) => {
    const project = `prop-${run++}`;
    const r = await times(project, rows.map((x) => x.text), { timezone: NAIVE_ZONE });
    assert.deepEqual(r.stored, rows.map((x) => new Date(x.ms).toISOString()));
  }), { numRuns: 12 });
});

test('ISO offsets a reader can check: flyer export with -04:00', async () => {
  const r = await times('flyer-offsets', ['2018-10-01T13:54:59-04:00', '2018-10-01T23:59:59-04:00']);
  assert.deepEqual(r.stored, [utc('2018-10-01T13:54:59-04:00'), '2018-10-02T03:59:59.000Z']);
});
