/**
 * The store/tail split by hand: the situations a load in flight creates, each small enough to
 * check by eye. (The property tests run the same logic against the real store.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCounts, mergePersons, mergeTop } from '../../src/live/live-merge.js';
import type { TailEvent } from '../../src/live/tail-index.js';
import type { LiveTarget } from '../../src/live/live-sql.js';
import type { LevelRead } from '../../src/live/live-window.js';

const parts: LevelRead[] = [{ level: 'points', ranges: [{ from: 0, to: 1000 }] }];
const view: LiveTarget = { event: 'view', key: 'item', values: ['a', 'b'] };
const ev = (position: number, item: string, person = 'p', timestamp = 10, event = 'view'): TailEvent => ({
  position,
  timestamp,
  event,
  personId: person,
  properties: { item },
});

test('nothing in flight: the store answers below the floor, the tail from it', () => {
  const tail = { floor: 100, events: [ev(100, 'a'), ev(120, 'a'), ev(130, 'b')] };
  const rows = [{ g: 0, read: 0, value: 'a', c: 3, x: 50 }];
  const { value, ambiguous } = mergeCounts(view, parts, rows, tail);
  assert.equal(ambiguous, false);
  assert.deepEqual(Object.fromEntries(value), { a: 5, b: 1 });
});

test('a load the reader has not heard of is visible: the tail counts only after it', () => {
  // The load of [100, 150) is in the store (x = 120 for "a") though the floor still says 100.
  const tail = { floor: 100, events: [ev(100, 'a'), ev(120, 'a'), ev(160, 'a'), ev(130, 'b')] };
  const rows = [{ g: 0, read: 0, value: 'a', c: 5, x: 120 }, { g: 0, read: 0, value: 'b', c: 1, x: 130 }];
  assert.deepEqual(Object.fromEntries(mergeCounts(view, parts, rows, tail).value), { a: 6, b: 1 });
});

test('events outside the window, of other events or other values are not counted', () => {
  const tail = { floor: 0, events: [ev(5, 'a', 'p', 1000), ev(6, 'c'), ev(7, 'a', 'p', 10, 'buy'), ev(8, 'b')] };
  assert.deepEqual(Object.fromEntries(mergeCounts(view, parts, [], tail).value), { b: 1 });
});

test('position 0 with the floor at 0 is ambiguous (a direct insert also reports 0)', () => {
  const tail = { floor: 0, events: [ev(0, 'a')] };
  const rows = [{ g: 0, read: 0, value: 'a', c: 7, x: 0 }];
  assert.equal(mergeCounts(view, parts, rows, tail).ambiguous, true);
  assert.equal(mergeCounts(view, parts, [], tail).ambiguous, false);
  assert.equal(mergeCounts(view, parts, rows, { floor: 0, events: [ev(10, 'a')] }).ambiguous, false);
});

test('persons: the store says which tail persons it already counted', () => {
  const tail = { floor: 100, events: [ev(100, 'a', 'ann'), ev(110, 'a', 'bob'), ev(120, 'a', 'cid'), ev(130, 'a', 'cid')] };
  const rows = [{ g: 0, value: 'a', persons: 4, x: 105, seen: ['ann', 'bob'] }];
  // 100 is in the store (≤ 105); bob at 110 is not, but the store already counts bob: only cid is new.
  const { value } = mergePersons(view, { from: 0, to: 1000 }, rows, tail);
  assert.deepEqual(Object.fromEntries(value), { a: 5 });
});

test('top: tail values are re-ranked with the store candidates; ties by value ascending', () => {
  const target = { event: 'view', key: 'item' };
  const rows = [
    { value: 'x', c: 3, xs: [50] },
    { value: 'y', c: 3, xs: [50] },
    { value: 'z', c: 1, xs: [50] },
  ];
  const tail = { floor: 60, events: [ev(60, 'z'), ev(61, 'z'), ev(62, 'w'), ev(63, 'é')] };
  const { value } = mergeTop(target, parts, rows, tail, 3);
  assert.deepEqual(value, [
    { value: 'x', count: 3 },
    { value: 'y', count: 3 },
    { value: 'z', count: 3 },
  ]);
  const all = mergeTop(target, parts, rows, tail, 10).value.map((r) => r.value);
  assert.deepEqual(all, ['x', 'y', 'z', 'w', 'é']);
});
