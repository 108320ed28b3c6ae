/**
 * Property-based: random tables with hostile column names (quotes, backslashes, delimiters,
 * newlines, emoji, SQL-looking text) and hostile values, written as CSV (random delimiter and
 * quoting style) and as NDJSON under hostile file names, come back as exactly those properties.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempStore } from '../helpers/temp-store.js';
import { TYPED_COLUMNS } from '../../src/importer/import-spec.js';
import { importFile, quarantined, storedEvents, tempFiles } from './helpers.js';

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

const tricky = ["'", '"', '\\', '\n', '\r\n', '\t', ',', ';', '|', 'a.b', '😀', '👩‍👩‍👧', 'ключ', '__proto__', '{k0:String}', "'); DROP TABLE events; --", '\\N', 'NULL', ' lead', 'trail '];
const name = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), fc.constantFrom(...tricky))
  .filter((n) => n.trim() !== '' && !n.includes('\u0000') && n !== 'uid' && !(TYPED_COLUMNS as readonly string[]).includes(n));
const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom(...tricky, '', '"quoted"', 'x'.repeat(300)))
  .filter((v) => !v.includes('\u0000'));

const table = fc.uniqueArray(name, { minLength: 1, maxLength: 6 }).chain((names) =>
  fc.record({
    names: fc.constant(names),
    rows: fc.array(fc.array(value, { minLength: names.length, maxLength: names.length }), { minLength: 1, maxLength: 8 }),
  }));

const FILE_NAMES = ['export{1,2}*.csv', "it's [x]?.csv", 'données 😀.csv', 'plain.csv'];

function csvField(v: string, delimiter: string, always: boolean): string {
  const needs = always || v.includes(delimiter) || /["\r\n]/.test(v) || v === '';
  return needs ? `"${v.replaceAll('"', '""')}"` : v;
}

/** What the properties of each row must be: every non-empty value under its column's name. */
function expected(names: readonly string[], rows: readonly string[][]): Array<Record<string, string>> {
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? '']).filter(([, v]) => v !== '')));
}

async function propertiesByRow(project: string): Promise<Array<Record<string, string>>> {
  const events = await storedEvents(t.store, project);
  return events.sort((a, b) => Number(a.person_id.slice(1)) - Number(b.person_id.slice(1))).map((e) => e.properties);
}

let run = 0;

test('CSV: hostile names and values round-trip through any delimiter and quoting style', async () => {
  await fc.assert(fc.asyncProperty(table, fc.constantFrom(',', ';', '|', '\t'), fc.boolean(), fc.constantFrom(...FILE_NAMES), async ({ names, rows }, delimiter, always, fileName) => {
    const project = `csv-${run++}`;
    const line = (cells: readonly string[]) => cells.map((c) => csvField(c, delimiter, always)).join(delimiter);
    const content = [line(['uid', ...names]), ...rows.map((r, i) => line([`u${i}`, ...r]))].join('\r\n') + '\r\n';
    const path = files.write(`${project}-${fileName}`, content);
    const s = await importFile(t.store, project, path, { person: 'uid', event: 'row', timestamp: '2024-01-01T00:00:00Z', delimiter: delimiter === '\t' ? '\\t' : delimiter });
    assert.deepEqual({ stored: s.stored, rejected: s.rejected }, { stored: rows.length, rejected: 0 }, JSON.stringify(await quarantined(t.store, project)));
    assert.deepEqual(await propertiesByRow(project), expected(names, rows));
  }), { numRuns: 25 });
});

test('NDJSON: hostile keys and values round-trip; quarantined payloads keep the line as written', async () => {
  await fc.assert(fc.asyncProperty(table, async ({ names, rows }) => {
    const project = `ndjson-${run++}`;
    const lines = rows.map((r, i) => JSON.stringify(Object.fromEntries([['uid', `u${i}`], ...names.map((n, j) => [n, r[j] ?? ''])])));
    // One extra line without a person, to check the quarantine keeps hostile text intact.
    const bad = JSON.stringify(Object.fromEntries(names.map((n, j) => [n, rows[0]?.[j] ?? ''])));
    const path = files.write(`${project}.ndjson`, [...lines, bad].join('\n') + '\n');
    const s = await importFile(t.store, project, path, { person: 'uid', event: 'row', timestamp: '2024-01-01T00:00:00Z', maxErrors: 1 });
    assert.deepEqual({ stored: s.stored, rejected: s.rejected }, { stored: rows.length, rejected: 1 });
    assert.deepEqual(await propertiesByRow(project), expected(names, rows));
    const [q] = await quarantined(t.store, project);
    assert.deepEqual([q?.line, q?.reason, q?.payload], [rows.length + 1, 'missing_identity', bad]);
  }), { numRuns: 20 });
});

test('CSV quarantine payloads are the row as JSON, hostile names and values intact', async () => {
  const names = ['a"b', 'line\nbreak', '😀', "'); --"];
  const values = ['x,y', 'q"q', '\\N', 'ünïcödé'];
  const content = ['uid', ...names].map((c) => csvField(c, ',', true)).join(',') + '\n' + ['', ...values].map((c) => csvField(c, ',', true)).join(',') + '\n';
  const path = files.write('payload.csv', content);
  await importFile(t.store, 'payload', path, { person: 'uid', event: 'row', timestamp: '2024-01-01T00:00:00Z', maxErrors: 1 });
  const [q] = await quarantined(t.store, 'payload');
  assert.deepEqual(JSON.parse(q?.payload ?? ''), Object.fromEntries([['uid', ''], ...names.map((n, i) => [n, values[i]])]));
});
