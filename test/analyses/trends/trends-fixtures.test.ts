/** Trends on small logs whose answers are computed by hand in the comments. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { trendsAnalysis } from '../../../src/analyses/trends/index.js';
import { insertFixture } from './fixture-rows.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  // New York; clocks jump from 02:00 EST to 03:00 EDT on 2024-03-10.
  await insertFixture(store, 'ny', [
    { id: 1, event: 'view', person: 'u1', at: '2024-03-10T04:30:00Z', properties: { amount: '10' } }, // 03-09 23:30 EST
    { id: 2, event: 'view', person: 'u1', at: '2024-03-10T05:30:00Z', properties: { amount: '5' } }, // 03-10 00:30 EST
    { id: 3, event: 'view', person: 'u2', at: '2024-03-10T07:30:00Z', properties: { amount: 'abc' } }, // 03-10 03:30 EDT
    { id: 4, event: 'buy', person: 'u2', at: '2024-03-11T04:00:00Z', properties: { amount: '2.5' } }, // 03-11 00:00 EDT
    { id: 5, event: 'view', person: 'u3', at: '2024-03-11T16:00:00Z', properties: { plan: 'pro' } }, // 03-11 12:00 EDT
    { id: 6, type: 'identify', event: 'identify', person: 'u4', at: '2024-03-11T16:00:00Z' }, // not activity: never counted
  ]);
  // One UTC day; persons per plan: b {u1,u2,u3}, a {u1,u2}, 😀 {u4}, \uE000 {u4}, not set {u4}.
  const at = '2024-01-01T10:00:00Z';
  await insertFixture(store, 'bd', [
    { id: 11, event: 'x', person: 'u1', at, properties: { plan: 'b' } },
    { id: 12, event: 'x', person: 'u2', at, properties: { plan: 'b' } },
    { id: 13, event: 'x', person: 'u3', at, properties: { plan: 'b' } },
    { id: 14, event: 'x', person: 'u1', at, properties: { plan: 'a' } },
    { id: 15, event: 'x', person: 'u2', at, properties: { plan: 'a' } },
    { id: 16, event: 'x', person: 'u4', at, properties: { plan: '😀' } },
    { id: 17, event: 'x', person: 'u4', at, properties: { plan: '\uE000' } },
    { id: 18, event: 'x', person: 'u4', at },
  ]);
});
after(async () => dispose());

const ny = () => ({ store, projectId: 'ny', timezone: 'America/New_York', now: () => 0 });
const bd = () => ({ store, projectId: 'bd', timezone: 'UTC', now: () => 0 });
const run = (ctx: ReturnType<typeof ny>, def: unknown) => trendsAnalysis.run(ctx, trendsAnalysis.schema.parse(def));

test('daily counts, persons, sum and avg follow local New York days', async () => {
  const base = { from: '2024-03-09', to: '2024-03-12', interval: 'day' };
  const views = await run(ny(), { ...base, event: 'view' });
  assert.deepEqual(views.current.buckets.map((b) => b.label), ['2024-03-09', '2024-03-10', '2024-03-11', '2024-03-12']);
  assert.deepEqual(views.current.buckets.map((b) => b.start), [
    '2024-03-09T05:00:00.000Z', '2024-03-10T05:00:00.000Z', '2024-03-11T04:00:00.000Z', '2024-03-12T04:00:00.000Z',
  ]);
  assert.deepEqual(views.current.series, [{ kind: 'total', value: null, label: 'view', values: [1, 2, 1, 0] }]);
  const persons = await run(ny(), { ...base, measure: { type: 'persons' } });
  assert.deepEqual(persons.current.series[0]?.values, [1, 2, 2, 0]); // u4 only sent an identify
  const identifies = await run(ny(), { ...base, event: 'identify' });
  assert.deepEqual(identifies.current.series[0]?.values, [0, 0, 0, 0]);
  // 'abc' is not a number and a missing property is ignored; an empty bucket sums to 0 ...
  const sum = await run(ny(), { ...base, measure: { type: 'sum', property: 'amount' } });
  assert.deepEqual(sum.current.series[0]?.values, [10, 5, 2.5, 0]);
  // ... and averages to null.
  const avg = await run(ny(), { ...base, measure: { type: 'avg', property: 'amount' } });
  assert.deepEqual(avg.current.series[0]?.values, [10, 5, 2.5, null]);
});

test('hourly buckets skip the missing spring-forward hour', async () => {
  const r = await run(ny(), { from: '2024-03-10', to: '2024-03-10', interval: 'hour' });
  assert.equal(r.current.buckets.length, 23);
  assert.deepEqual(r.current.buckets.slice(0, 4).map((b) => b.label), [
    '2024-03-10 00:00', '2024-03-10 01:00', '2024-03-10 03:00', '2024-03-10 04:00',
  ]);
  assert.deepEqual(r.current.series[0]?.values.slice(0, 4), [1, 0, 1, 0]);
});

test('compare: the previous period is the same number of days just before', async () => {
  const r = await run(ny(), { from: '2024-03-11', to: '2024-03-12', event: 'view', compare: true });
  assert.deepEqual(r.current.series[0]?.values, [1, 0]);
  assert.deepEqual(r.previous?.buckets.map((b) => b.label), ['2024-03-09', '2024-03-10']);
  assert.deepEqual(r.previous?.series[0]?.values, [1, 2]);
  assert.deepEqual(trendsAnalysis.toTable(r), {
    columns: ['bucket', 'series', 'value', 'previous_bucket', 'previous_value'],
    rows: [
      ['2024-03-11', 'view', 1, '2024-03-09', 1],
      ['2024-03-12', 'view', 0, '2024-03-10', 2],
    ],
  });
});

test('breakdown: ties by value in UTF-8 order with not-set first; Other counts persons once', async () => {
  const persons = { from: '2024-01-01', to: '2024-01-01', measure: { type: 'persons' } };
  const three = await run(bd(), { ...persons, breakdown: { property: 'plan', limit: 3 } });
  assert.deepEqual(
    three.current.series.map((s) => [s.kind, s.value, s.values[0]]),
    [['value', 'b', 3], ['value', 'a', 2], ['value', null, 1], ['other', null, 1]], // Other = {u4}, not 2
  );
  // U+E000 sorts before U+1F600 by code point (and UTF-8 bytes), though not by UTF-16 units.
  const four = await run(bd(), { ...persons, breakdown: { property: 'plan', limit: 4 } });
  assert.deepEqual(four.current.series.map((s) => s.label), ['b', 'a', '(not set)', '\uE000', 'Other']);
  const all = await run(bd(), { ...persons, breakdown: { property: 'plan', limit: 10 } });
  assert.deepEqual(all.current.series.map((s) => s.label), ['b', 'a', '(not set)', '\uE000', '😀']);
});

test('filters: unset values pass negative ops and never match positive ones', async () => {
  const base = { from: '2024-01-01', to: '2024-01-01' };
  const count = async (filters: unknown[]) => (await run(bd(), { ...base, filters })).current.series[0]?.values[0];
  assert.equal(await count([{ property: 'plan', op: 'eq', value: 'b' }]), 3);
  assert.equal(await count([{ property: 'plan', op: 'neq', value: 'b' }]), 5);
  assert.equal(await count([{ property: 'plan', op: 'is_not_set' }]), 1);
  assert.equal(await count([{ property: 'plan', op: 'in', value: ['a', 'b'] }]), 5);
  assert.equal(await count([{ property: 'plan', op: 'not_in', value: ['a', 'b'] }]), 3);
  assert.equal(await count([{ property: 'plan', op: 'regex', value: '^.$' }]), 7); // 😀 is one character
  assert.equal(await count([{ property: 'plan', op: 'not_contains', value: 'b' }]), 5);
});

test('invalid definitions are rejected with the path of each problem', () => {
  const bad = (def: unknown): string[] => {
    const r = trendsAnalysis.schema.safeParse(def);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => i.path.join('.'));
  };
  const ok = { from: '2024-01-01', to: '2024-01-31' };
  assert.deepEqual(bad({ ...ok, from: '2024-02-30' }), ['from']);
  assert.deepEqual(bad({ ...ok, to: '2023-12-01' }), ['to']);
  assert.deepEqual(bad({ from: '2024-01-01', to: '2025-01-01', interval: 'hour' }), ['to']);
  assert.deepEqual(bad({ ...ok, interval: 'minute' }), ['interval']);
  assert.deepEqual(bad({ ...ok, measure: { type: 'sum' } }), ['measure.property']);
  assert.deepEqual(bad({ ...ok, filters: [{ property: 'x', op: 'like', value: 'a' }] }), ['filters.0.op']);
  assert.deepEqual(bad({ ...ok, filters: [{ property: 'x', op: 'gt', value: 'a' }] }), ['filters.0.value']);
  assert.deepEqual(bad({ ...ok, filters: [{ property: 'x', op: 'regex', value: 'a(?=b)' }] }), ['filters.0.value']);
  assert.deepEqual(bad({ ...ok, filters: [{ property: 'id; DROP', source: 'column', op: 'is_set' }] }), ['filters.0.property']);
  assert.deepEqual(bad({ ...ok, breakdown: { property: 'x', limit: 0 } }), ['breakdown.limit']);
  assert.deepEqual(bad({ ...ok, extra: 1 }), ['']);
});

test('a parsed definition validates again unchanged (saved reports store parsed definitions)', () => {
  const def = trendsAnalysis.schema.parse({
    from: '2024-01-01', to: '2024-01-31', filters: [{ property: 'n', op: 'in', value: [1, true, 'x'] }],
    breakdown: { property: 'plan' }, measure: { type: 'avg', property: 'amount' },
  });
  assert.deepEqual(def.filters[0], { property: 'n', source: 'event', op: 'in', value: ['1', 'true', 'x'] });
  assert.deepEqual(trendsAnalysis.schema.parse(def), def);
});
