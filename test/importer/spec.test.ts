/** The mapping's validation and the small helpers around it, without an engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressionSuffix, delimiterChar, formatFromName, parseImportSpec } from '../../src/importer/import-spec.js';
import { ImportError } from '../../src/importer/import-error.js';
import { planMapping } from '../../src/importer/mapping-plan.js';
import { importKeyOf } from '../../src/importer/import-runner.js';
import { exitCodeOf, summaryText, type ImportSummary } from '../../src/importer/import-summary.js';

test('formats come from the file name, through compression suffixes', () => {
  assert.equal(formatFromName('a.csv'), 'csv');
  assert.equal(formatFromName('A.CSV.GZ'), 'csv');
  assert.equal(formatFromName('x.tab'), 'tsv');
  assert.equal(formatFromName('x.tsv.zst'), 'tsv');
  assert.equal(formatFromName('x.jsonl'), 'ndjson');
  assert.equal(formatFromName('x.json'), 'ndjson');
  assert.equal(formatFromName('x.parquet'), 'parquet');
  assert.equal(formatFromName('x.txt'), undefined);
  assert.equal(compressionSuffix('a.csv.GZ'), '.gz');
  assert.equal(compressionSuffix('a.csv'), '');
});

test('delimiters: one ASCII character, or tab spelled \\t or tab', () => {
  assert.equal(delimiterChar(';'), ';');
  assert.equal(delimiterChar('\\t'), '\t');
  assert.equal(delimiterChar('TAB'), '\t');
  for (const bad of ['', ';;', '"', '\n', '§', '😀']) assert.equal(delimiterChar(bad), undefined, JSON.stringify(bad));
});

test('defaults: events, header, all properties, auto timestamps, no errors tolerated', () => {
  const spec = parseImportSpec({ person: 'u', event: 'e', timestamp: '2024-01-01' });
  assert.deepEqual(
    { kind: spec.kind, header: spec.header, properties: spec.properties, timestampFormat: spec.timestampFormat, maxErrors: spec.maxErrors },
    { kind: 'events', header: true, properties: 'all', timestampFormat: 'auto', maxErrors: 0 },
  );
});

test('every problem of a mapping is reported at once, by field', () => {
  assert.throws(() => parseImportSpec({ kind: 'events', maxErrors: -1, format: 'xlsx' }), (err: Error) => {
    assert.ok(err instanceof ImportError);
    for (const field of ['format', 'maxErrors', 'person', 'event', 'timestampColumn']) assert.match(err.message, new RegExp(`\\n  ${field}: `), field);
    return true;
  });
  assert.throws(() => parseImportSpec({ person: 'u', event: 'e', timestamp: '2024-13-01' }), /timestamp: expected an ISO 8601/);
  assert.throws(() => parseImportSpec({ person: 'u', event: '  ', timestamp: '2024-01-01' }), /event: must not be blank/);
  assert.throws(() => parseImportSpec({ person: 'u', event: 'e', timestamp: '2024-01-01', columnMap: { colour: 'c' } }), /columnMap/);
});

test('roles are not properties; same-named columns fill typed columns unless used for a role', () => {
  const spec = parseImportSpec({ person: 'user', eventColumn: 'country', timestampColumn: 'ts', columnMap: { channel: 'Source' } });
  const plan = planMapping(spec, { kind: 'positional', names: ['user', 'country', 'ts', 'Source', 'os', 'price'], lineOffset: 2 }, 'Europe/Berlin');
  assert.deepEqual(plan.typed, [['os', 'os'], ['channel', 'Source']]);
  assert.deepEqual(plan.properties, { except: ['user', 'country', 'ts', 'os', 'Source'] });
  assert.equal(plan.timezone, 'Europe/Berlin');
  // A constant timestamp is always read as ISO, whatever format the file's own times have.
  const constant = planMapping(parseImportSpec({ person: 'u', event: 'e', timestamp: '2024-01-01', timestampFormat: 'epoch_ms' }), { kind: 'json', lineOffset: 1 }, 'UTC');
  assert.equal(constant.timestampFormat, 'iso');
});

test('import keys: the same file and mapping give the same key; project, kind, constants change it', () => {
  const base = parseImportSpec({ person: 'u', event: 'home', timestamp: '2024-01-01' });
  const key = importKeyOf('p', base, 'abc');
  assert.equal(importKeyOf('p', parseImportSpec({ person: 'u', event: 'home', timestamp: '2024-01-01', properties: ['x'] }), 'abc'), key);
  const others = [
    importKeyOf('q', base, 'abc'),
    importKeyOf('p', base, 'abd'),
    importKeyOf('p', parseImportSpec({ person: 'u', event: 'search', timestamp: '2024-01-01' }), 'abc'),
    importKeyOf('p', parseImportSpec({ person: 'u', event: 'home', timestamp: '2024-01-02' }), 'abc'),
    importKeyOf('p', parseImportSpec({ person: 'u', event: 'home', timestampFrom: 'persons:d' }), 'abc'),
    importKeyOf('p', parseImportSpec({ kind: 'persons', person: 'u' }), 'abc'),
  ];
  assert.equal(new Set([key, ...others]).size, others.length + 1);
  // Length-prefixed parts: moving text between parts never collides.
  assert.notEqual(importKeyOf('p:', base, 'abc'), importKeyOf('p', parseImportSpec({ person: 'u', event: ':home', timestamp: '2024-01-01' }), 'abc'));
});

test('summary text and exit codes', () => {
  const base: ImportSummary = {
    file: 'a.csv', format: 'csv', kind: 'events', outcome: 'completed', rowsRead: 10, stored: 7, alreadyStored: 1, rejected: 2, maxErrors: 5,
    reasons: { invalid_timestamp: 2 }, samples: [{ line: 3, reason: 'invalid_timestamp', errors: ['cannot read "x"'] }], seconds: 2, rowsPerSecond: 5,
  };
  assert.equal(exitCodeOf(base), 0);
  assert.equal(exitCodeOf({ ...base, outcome: 'too_many_errors' }), 1);
  assert.equal(exitCodeOf({ ...base, outcome: 'interrupted' }), 130);
  assert.equal(summaryText(base), [
    'a.csv (csv, events): 10 row(s) read in 2.0 s (5 rows/s)',
    '  stored: 7 event(s)',
    '  already stored by an earlier run of this import: 1',
    '  rejected: 2 (quarantined; list them with: clickpath rejected --reason REASON)',
    '  reasons: invalid_timestamp 2',
    '  line 3: invalid_timestamp: cannot read "x"',
  ].join('\n'));
  assert.match(summaryText({ ...base, outcome: 'too_many_errors' }), /NOTHING STORED: 2 row\(s\) are bad, more than max-errors \(5\)/);
});
