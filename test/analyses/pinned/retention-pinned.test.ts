/**
 * Pinned SQL, retention: daily cohorts of `signup` on 2024-03-10, returning with `home`, two periods.
 * A change to the compiled text or its parameters fails here first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compileRetention } from '../../../src/analyses/retention/retention-compiler.js';
import { retentionDefinitionSchema } from '../../../src/analyses/retention/definition.js';
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
  const def = retentionDefinitionSchema.parse({ cohortEvent: 'signup', returnEvent: 'home', interval: 'day', periods: 2, from: '2024-03-10', to: '2024-03-10' });
  return compileRetention({ ...PIN, definition: def, range: resolveRange(def.from, def.to, 'UTC') });
}

const SQL = `SELECT c, k, toUInt32(count()) AS n FROM (
      SELECT f.c AS c,
        arrayJoin(arrayConcat([0], arrayFilter(d -> d >= 1 AND d <= {p0:Int64}, arrayMap(x -> x - f.c, r.keys)))) AS k
      FROM (
        SELECT person_id, toInt64(toRelativeDayNum(toDate(first_ts, {p1:String}))) AS c FROM (
          SELECT person_id, min(timestamp) AS first_ts FROM (
    SELECT e.* REPLACE (if(a.person_id != '', a.person_id, e.person_id) AS person_id)
    FROM clickpath.events AS e
    LEFT ANY JOIN (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id
      FROM (SELECT * FROM clickpath.person_aliases WHERE project_id = {p2:String})
      GROUP BY distinct_id
    ) AS a ON a.distinct_id = e.person_id
    WHERE (e.project_id = {p2:String}) AND ((type IN ('track', 'page', 'screen')) AND (timestamp < fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND toDate(timestamp) <= toDate(fromUnixTimestamp64Milli({p3:Int64}, 'UTC'))) AND (event = {p4:String}))
  ) AS ev
          WHERE 1 GROUP BY person_id
        ) WHERE first_ts >= fromUnixTimestamp64Milli({p5:Int64}, 'UTC')
      ) AS f
      LEFT ANY JOIN (
        SELECT person_id, groupUniqArray(toInt64(toRelativeDayNum(toDate(timestamp, {p1:String})))) AS keys FROM (
    SELECT e.* REPLACE (if(a.person_id != '', a.person_id, e.person_id) AS person_id)
    FROM clickpath.events AS e
    LEFT ANY JOIN (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id
      FROM (SELECT * FROM clickpath.person_aliases WHERE project_id = {p2:String})
      GROUP BY distinct_id
    ) AS a ON a.distinct_id = e.person_id
    WHERE (e.project_id = {p2:String}) AND ((type IN ('track', 'page', 'screen')) AND (timestamp >= fromUnixTimestamp64Milli({p6:Int64}, 'UTC') AND toDate(timestamp) >= toDate(fromUnixTimestamp64Milli({p6:Int64}, 'UTC')) AND timestamp < fromUnixTimestamp64Milli({p7:Int64}, 'UTC') AND toDate(timestamp) <= toDate(fromUnixTimestamp64Milli({p7:Int64}, 'UTC'))) AND (event = {p8:String}))
  ) AS ev
        WHERE 1 GROUP BY person_id
      ) AS r ON r.person_id = f.person_id
    ) GROUP BY c, k`;

const PARAMS = {
  "p0": 2,
  "p1": "UTC",
  "p2": "pin",
  "p3": 1710115200000,
  "p4": "signup",
  "p5": 1710028800000,
  "p6": 1710028800000,
  "p7": 1710288000000,
  "p8": "home"
};

test('retention: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('retention: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<{ c: number; k: number; n: number }>(q.sql, q.params);
  // u1 and u2 signed up on 03-10 (cohort of 2); only u1 came back to home on 03-11 (period 1).
  const sorted = [...rows].sort((a, b) => a.k - b.k);
  assert.deepEqual(sorted, [{ c: 19792, k: 0, n: 2 }, { c: 19792, k: 1, n: 1 }]);
});
