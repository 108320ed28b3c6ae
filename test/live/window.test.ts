import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HOUR_MS, MINUTE_MS, parseWindow, splitRange, windowRange, type Level } from '../../src/live/live-window.js';

test('window texts: units, bounds, and what is refused', () => {
  assert.deepEqual(parseWindow('4h'), { ok: true, ms: 4 * HOUR_MS });
  assert.deepEqual(parseWindow('90s'), { ok: true, ms: 90_000 });
  assert.deepEqual(parseWindow('1m'), { ok: true, ms: MINUTE_MS });
  assert.deepEqual(parseWindow('7d'), { ok: true, ms: 7 * 24 * HOUR_MS });
  for (const bad of ['59s', '8d', '169h', '4', 'h', '4 hours', '-1h', '1.5h', '']) {
    assert.equal(parseWindow(bad).ok, false, bad);
  }
});

test('a window ending at t holds (t − W, t]: exactly W milliseconds', () => {
  assert.deepEqual(windowRange(10 * MINUTE_MS, MINUTE_MS), { from: 9 * MINUTE_MS + 1, to: 10 * MINUTE_MS + 1 });
});

test('hand-checked split: ragged ends as points, whole minutes and hours as buckets', () => {
  // 10:59:30.500 → 13:01:15.250 (exclusive)
  const from = 10 * HOUR_MS + 59 * MINUTE_MS + 30_500;
  const to = 13 * HOUR_MS + MINUTE_MS + 15_250;
  assert.deepEqual(splitRange({ from, to }, ['points', 'minutes', 'hours']), [
    { level: 'points', from, to: 11 * HOUR_MS },
    { level: 'hours', from: 11 * HOUR_MS, to: 13 * HOUR_MS },
    { level: 'minutes', from: 13 * HOUR_MS, to: 13 * HOUR_MS + MINUTE_MS },
    { level: 'points', from: 13 * HOUR_MS + MINUTE_MS, to },
  ]);
  // Shorter than any whole minute inside: points only.
  assert.deepEqual(splitRange({ from: 30_000, to: 90_000 }, ['points', 'minutes']), [{ level: 'points', from: 30_000, to: 90_000 }]);
});

test('property: the parts tile the range exactly, each aligned to its bucket size', () => {
  const levelSets: Level[][] = [['points'], ['points', 'minutes'], ['points', 'minutes', 'hours'], ['hours', 'points']];
  fc.assert(
    fc.property(
      fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
      fc.integer({ min: 1, max: 8 * 24 * HOUR_MS }),
      fc.constantFrom(...levelSets),
      (from, length, levels) => {
        const to = from + length;
        const parts = splitRange({ from, to }, levels);
        let at = from;
        for (const p of parts) {
          assert.equal(p.from, at);
          assert.ok(p.to > p.from);
          assert.ok(levels.includes(p.level));
          const size = p.level === 'hours' ? HOUR_MS : p.level === 'minutes' ? MINUTE_MS : 1;
          assert.equal(p.from % size, 0);
          assert.equal(p.to % size, 0);
          at = p.to;
        }
        assert.equal(at, to);
        // At most one bucket run per level and side: a handful of pieces whatever the length.
        assert.ok(parts.length <= 2 * levels.length - 1);
      },
    ),
    { numRuns: 300 },
  );
});
