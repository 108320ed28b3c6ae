import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, renderCsv, renderTable } from '../../src/cli/output.js';

test('durations in human units: the two largest units, the smaller one rounded', () => {
  const cases: Array<[number, string]> = [
    [0, '0ms'], [350, '350ms'], [999.4, '999ms'], [999.6, '1s'], [4_500, '4.5s'], [9_949, '9.9s'], [9_960, '10s'],
    [42_000, '42s'], [59_600, '1m'], [60_000, '1m'], [150_000, '2m 30s'], [3_599_600, '1h'], [3_900_000, '1h 5m'],
    [86_399_000, '1d'], [273_600_000, '3d 4h'], [90_061_000, '1d 1h'], [-150_000, '-2m 30s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
});

test('tables show *_ms columns as durations; CSV keeps the milliseconds', () => {
  const table = {
    columns: ['step', 'persons', 'avg_ms', 'median_ms'],
    rows: [[1, 1000, null, null], [2, 420, 150_000, 3_900_000], [3, 7, 273_600_000, 61_000]],
  };
  assert.equal(renderTable(table), [
    'step  persons  avg_time  median_time',
    '----  -------  --------  -----------',
    '   1     1000',
    '   2      420    2m 30s        1h 5m',
    '   3        7     3d 4h        1m 1s',
  ].join('\n'));
  assert.equal(renderCsv(table).split('\n')[2], '2,420,150000,3900000');
});
