/**
 * The funnel's medians and p90s come from quantilesExactLow at levels 0.5 and 0.899999999999
 * (funnel-compiler.ts). They must be the nearest-rank values of docs/funnels.md: the ceil(N/2)-th
 * and ceil(9N/10)-th smallest. Checked on the engine for every N from 1 to 400 with ties and on
 * random arrays, against sorting in plain TypeScript.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

function nearestRank(values: readonly number[], numerator: number, denominator: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((numerator * sorted.length) / denominator) - 1]!;
}

async function engineQuantiles(lists: readonly (readonly number[])[]): Promise<[number, number][]> {
  const rows = await store.query<{ q: string[] }>(
    `SELECT arrayMap(x -> toString(x), quantilesExactLow(0.5, 0.899999999999)(v)) AS q
     FROM (SELECT arrayJoin(arrayEnumerate(l)) AS i, l[i] AS vs FROM (SELECT {lists:Array(Array(Int64))} AS l))
     ARRAY JOIN vs AS v GROUP BY i ORDER BY i`,
    { lists: lists.map((l) => [...l]) },
  );
  return rows.map((r) => [Number(r.q[0]), Number(r.q[1])]);
}

test('every N from 1 to 400 (values with ties): median and p90 are the nearest ranks', async () => {
  const lists = Array.from({ length: 400 }, (_, i) => Array.from({ length: i + 1 }, (_, j) => (j * 7919) % (i + 3)));
  const got = await engineQuantiles(lists);
  assert.equal(got.length, lists.length);
  got.forEach(([median, p90], i) => {
    assert.equal(median, nearestRank(lists[i]!, 1, 2), `median, N=${i + 1}`);
    assert.equal(p90, nearestRank(lists[i]!, 9, 10), `p90, N=${i + 1}`);
  });
});

test('random arrays: median and p90 are the nearest ranks', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 30 }), async (lists) => {
      const got = await engineQuantiles(lists);
      assert.deepEqual(got, lists.map((l) => [nearestRank(l, 1, 2), nearestRank(l, 9, 10)]));
    }),
    { numRuns: 40 },
  );
});
