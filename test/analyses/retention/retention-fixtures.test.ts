/** Retention on small logs whose triangles are computed by hand in the comments. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { retentionAnalysis } from '../../../src/analyses/retention/index.js';
import { insertFixture } from '../trends/fixture-rows.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertFixture(store, 'days', [
    { id: 1, event: 'signup', person: 'u1', at: '2024-01-01T10:00:00Z' },
    { id: 2, event: 'use', person: 'u1', at: '2024-01-02T09:00:00Z' },
    { id: 3, event: 'use', person: 'u1', at: '2024-01-02T10:00:00Z' }, // same day again: counted once
    { id: 4, event: 'use', person: 'u1', at: '2024-01-04T08:00:00Z' },
    { id: 5, event: 'signup', person: 'u2', at: '2024-01-01T23:59:59.999Z' },
    { id: 6, event: 'use', person: 'u2', at: '2024-01-02T00:00:00Z' }, // one ms later, but the next day
    { id: 7, event: 'signup', person: 'u3', at: '2023-12-31T12:00:00Z' }, // first ever is before the range
    { id: 8, event: 'signup', person: 'u3', at: '2024-01-02T12:00:00Z' },
    { id: 9, event: 'signup', person: 'u4', at: '2024-01-02T12:00:00Z' }, // a person with one event
    { id: 10, event: 'use', person: 'u5', at: '2024-01-02T12:00:00Z' }, // never signed up
    { id: 11, event: 'signup', person: 'u6', at: '2024-01-03T12:00:00Z' },
    { id: 12, event: 'use', person: 'u6', at: '2024-01-03T13:00:00Z' }, // same bucket: not a return
    { id: 13, event: 'signup', person: 'u7', at: '2024-01-04T12:00:00Z' }, // after the range
  ]);
  // Sunday 23:30 and Monday 00:30 in New York are both Monday in UTC.
  await insertFixture(store, 'weeks', [
    { id: 21, event: 'signup', person: 'w1', at: '2024-03-11T03:30:00Z' },
    { id: 22, event: 'use', person: 'w1', at: '2024-03-11T04:30:00Z' },
  ]);
});
after(async () => dispose());

test('daily cohorts: first occurrence ever, returns by bucket, unobservable cells null', async () => {
  const ctx = { store, projectId: 'days', timezone: 'UTC', now: () => Date.parse('2024-01-04T12:00:00Z') };
  const def = retentionAnalysis.schema.parse({
    cohortEvent: 'signup', returnEvent: 'use', interval: 'day', periods: 3, from: '2024-01-01', to: '2024-01-03',
  });
  const r = await retentionAnalysis.run(ctx, def);
  assert.deepEqual(r.cohorts.map((c) => [c.cohort, c.size, c.values, c.rates]), [
    ['2024-01-01', 2, [2, 2, 0, 1], [1, 1, 0, 0.5]],
    ['2024-01-02', 1, [1, 0, 0, null], [1, 0, 0, null]], // u3 entered on 12-31, 01-05 is after now
    ['2024-01-03', 1, [1, 0, null, null], [1, 0, null, null]],
  ]);
  assert.deepEqual(retentionAnalysis.toTable(r), {
    columns: ['cohort', 'size', 'period_0', 'period_1', 'period_2', 'period_3'],
    rows: [
      ['2024-01-01', 2, 2, 2, 0, 1],
      ['2024-01-02', 1, 1, 0, 0, null],
      ['2024-01-03', 1, 1, 0, null, null],
    ],
  });
});

test('omitted events mean any event; empty cohorts are listed with size 0', async () => {
  const ctx = { store, projectId: 'days', timezone: 'UTC', now: () => Date.parse('2024-02-01T00:00:00Z') };
  const def = retentionAnalysis.schema.parse({ interval: 'day', periods: 2, from: '2024-01-01', to: '2024-01-04' });
  const r = await retentionAnalysis.run(ctx, def);
  // First events: u3 12-31 (out), u1 01-01, u2 01-01, u4 01-02, u5 01-02, u6 01-03, u7 01-04.
  assert.deepEqual(r.cohorts.map((c) => [c.cohort, c.values]), [
    ['2024-01-01', [2, 2, 0]],
    ['2024-01-02', [2, 0, 0]],
    ['2024-01-03', [1, 0, 0]],
    ['2024-01-04', [1, 0, 0]],
  ]);
  const empty = await retentionAnalysis.run(ctx, retentionAnalysis.schema.parse({ interval: 'day', periods: 1, from: '2023-06-01', to: '2023-06-01' }));
  assert.deepEqual(empty.cohorts, [{ cohort: '2023-06-01', start: '2023-06-01T00:00:00.000Z', size: 0, values: [0, 0], rates: [null, null] }]);
});

test('weeks are local ISO weeks: a Sunday-night signup returning Monday is period 1 in New York, 0 in UTC', async () => {
  const def = retentionAnalysis.schema.parse({ interval: 'week', periods: 1, from: '2024-03-01', to: '2024-03-31' });
  const now = () => Date.parse('2024-06-01T00:00:00Z');
  const ny = await retentionAnalysis.run({ store, projectId: 'weeks', timezone: 'America/New_York', now }, def);
  assert.deepEqual(ny.cohorts.filter((c) => c.size > 0).map((c) => [c.cohort, c.values]), [['2024-03-04', [1, 1]]]);
  const utc = await retentionAnalysis.run({ store, projectId: 'weeks', timezone: 'UTC', now }, def);
  assert.deepEqual(utc.cohorts.filter((c) => c.size > 0).map((c) => [c.cohort, c.values]), [['2024-03-11', [1, 0]]]);
});

test('invalid definitions are rejected with their paths', () => {
  const paths = (def: unknown) => {
    const r = retentionAnalysis.schema.safeParse(def);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => i.path.join('.'));
  };
  const ok = { from: '2024-01-01', to: '2024-01-31' };
  assert.deepEqual(paths({ ...ok, periods: 0 }), ['periods']);
  assert.deepEqual(paths({ ...ok, periods: 61 }), ['periods']);
  assert.deepEqual(paths({ ...ok, interval: 'hour' }), ['interval']);
  assert.deepEqual(paths({ ...ok, cohortEvent: '' }), ['cohortEvent']);
  assert.deepEqual(paths({ from: '2000-01-01', to: '2024-01-01', interval: 'day' }), ['to']);
  assert.deepEqual(paths({ ...ok, filters: [{ property: 'p', op: 'in', value: [] }] }), ['filters.0.value']);
});
