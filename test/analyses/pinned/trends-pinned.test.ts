/**
 * Pinned SQL, trends: distinct persons doing `home` with the event property plan = pro, per day, no breakdown (the series query).
 * A change to the compiled text or its parameters fails here first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compileTrendsSeries } from '../../../src/analyses/trends/trends-compiler.js';
import { trendsDefinitionSchema } from '../../../src/analyses/trends/definition.js';
import { resolveRange } from '../../../src/analyses/shared/time-range.js';
import { insertPinFixture, PIN } from './pinned-fixture.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertPinFixture(store);
});
after(async () => dispose());

function compiled() {
  const def = trendsDefinitionSchema.parse({ event: 'home', measure: { type: 'persons' }, from: '2024-03-10', to: '2024-03-11', filters: [{ property: 'plan', op: 'eq', value: 'pro' }] });
  return compileTrendsSeries({ ...PIN, definition: def, range: resolveRange(def.from, def.to, 'UTC') }, undefined);
}

const SQL = `SELECT k, toUInt8(NOT in_top) AS other, if(in_top, bv, NULL) AS grp, toFloat64(uniqExact(person_id)) AS v
    FROM (SELECT *, true AS in_top FROM (SELECT toInt64(toRelativeDayNum(toDate(timestamp, {p0:String}))) AS k, CAST(NULL AS Nullable(String)) AS bv, person_id, CAST(NULL AS Nullable(Float64)) AS num
    FROM (
    SELECT e.* REPLACE (if(a.person_id != '', a.person_id, e.person_id) AS person_id)
    FROM clickpath.events AS e
    LEFT ANY JOIN (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id
      FROM (SELECT * FROM clickpath.person_aliases WHERE project_id = {p1:String})
      GROUP BY distinct_id
    ) AS a ON a.distinct_id = e.person_id
    WHERE (e.project_id = {p1:String}) AND ((timestamp >= fromUnixTimestamp64Milli({p2:Int64}, 'UTC') AND toDate(timestamp) >= toDate(fromUnixTimestamp64Milli({p2:Int64}, 'UTC')) AND timestamp < fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND toDate(timestamp) <= toDate(fromUnixTimestamp64Milli({p3:Int64}, 'UTC'))) AND (type IN ('track', 'page', 'screen')) AND (event IN {p4:Array(String)}) AND ((mapContains(properties, {p5:String}) AND properties[{p5:String}] = {p6:String})))
  ) AS ev 
    WHERE 1))
    GROUP BY k, other, grp`;

const PARAMS = {
  "p0": "UTC",
  "p1": "pin",
  "p2": 1710028800000,
  "p3": 1710201600000,
  "p4": [
    "home"
  ],
  "p5": "plan",
  "p6": "pro"
};

test('trends: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('trends: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<{ k: number; other: number; grp: string | null; v: number }>(q.sql, q.params);
  // 03-10: u1 and u2 viewed home on plan pro; 03-11: u1. The other project's u1 is not counted.
  const sorted = [...rows].sort((a, b) => Number(a.k) - Number(b.k));
  assert.deepEqual(sorted, [{ k: 19792, other: 0, grp: null, v: 2 }, { k: 19793, other: 0, grp: null, v: 1 }]);
});
