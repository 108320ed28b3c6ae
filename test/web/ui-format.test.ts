/** The dashboard's number, date-range and CSV helpers: what every page shows and exports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, dateInZone, formatCount, formatDuration, formatPercent } from '../../web/src/lib/format.js';
import { isRange, resolveRange } from '../../web/src/lib/range.js';
import { toCsv } from '../../web/src/lib/csv.js';

test('counts have thousands separators, ratios one decimal, missing values a dash', () => {
  assert.equal(formatCount(1_234_567), '1,234,567');
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(null), '–');
  assert.equal(formatPercent(0.4567), '45.7%');
  assert.equal(formatPercent(1), '100.0%');
  assert.equal(formatPercent(0), '0.0%');
  assert.equal(formatPercent(2 / 3), '66.7%');
  assert.equal(formatPercent(null), '–');
});

test('durations read as their two largest units, without a zero second unit', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(59_400), '59s');
  assert.equal(formatDuration(200_000), '3m 20s');
  assert.equal(formatDuration(180_000), '3m');
  assert.equal(formatDuration(7_500_000), '2h 05m');
  assert.equal(formatDuration(14 * 86_400_000), '14d');
  assert.equal(formatDuration(50 * 3_600_000), '2d 02h');
  assert.equal(formatDuration(null), '–');
});

test('preset ranges end today in the project time zone', () => {
  const now = Date.parse('2024-03-10T23:30:00Z');
  assert.equal(dateInZone(now, 'Pacific/Auckland'), '2024-03-11');
  assert.equal(dateInZone(now, 'America/Los_Angeles'), '2024-03-10');
  assert.deepEqual(resolveRange({ preset: '7d' }, 'Pacific/Auckland', now), { from: '2024-03-05', to: '2024-03-11' });
  assert.deepEqual(resolveRange({ preset: 'today' }, 'UTC', now), { from: '2024-03-10', to: '2024-03-10' });
  assert.deepEqual(resolveRange({ preset: '30d' }, 'UTC', Date.parse('2024-03-01T12:00:00Z')), { from: '2024-02-01', to: '2024-03-01' });
  assert.deepEqual(resolveRange({ preset: 'all' }, 'UTC', now), { from: null, to: null });
  assert.deepEqual(resolveRange({ from: '2024-01-01', to: '2024-01-31' }, 'UTC', now), { from: '2024-01-01', to: '2024-01-31' });
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
});

test('only well-formed ranges are read from an address', () => {
  assert.ok(isRange({ preset: '90d' }));
  assert.ok(isRange({ from: '2024-01-01', to: '2024-02-01' }));
  assert.ok(!isRange({ preset: '2d' }));
  assert.ok(!isRange({ from: '2024-1-1', to: '2024-02-01' }));
  assert.ok(!isRange(null));
  assert.ok(!isRange('30d'));
});

/** RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

test('CSV cells survive quotes, commas and newlines; formulas stay text', () => {
  assert.equal(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['line\nbreak', null], [1.5, true]]), 'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n1.5,true\r\n');
  assert.deepEqual(parseCsv(toCsv(['v'], [['=HYPERLINK("x")'], ['-5'], ['@cmd'], ['+1']])), [['v'], ["'=HYPERLINK(\"x\")"], ['-5'], ["'@cmd"], ['+1']]);
  fc.assert(
    fc.property(fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (rows) => {
      const width = Math.max(1, ...rows.map((r) => r.length));
      const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
      const columns = Array.from({ length: width }, (_, i) => `c${i}`);
      const read = parseCsv(toCsv(columns, table));
      const expected = table.map((r) => r.map((s) => (/^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s)));
      assert.deepEqual(read, [columns, ...expected]);
    }),
    { numRuns: 60 },
  );
});
