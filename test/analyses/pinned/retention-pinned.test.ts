/**
 * Pinned SQL, retention: daily cohorts of `signup` on 2024-03-10, returning with `home`, two periods.
 * The default source, the person timeline (both parts: persons no identity link touches, read in
 * key order, and linked persons). A change to the compiled text or its parameters fails here
 * first: read the diff, then re-pin.
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
      SELECT toInt64(toRelativeDayNum(toDate(fromUnixTimestamp64Milli(first_t, 'UTC'), {p0:String}))) AS c,
        arrayJoin(arrayConcat([0], arrayFilter(d -> d >= 1 AND d <= {p1:Int64}, arrayMap(x -> x - c, keys)))) AS k
      FROM (
        SELECT person,
          countIf((t < {p2:Int64}) AND (event = {p3:String})) AS cohort_events,
          minIf(t, (t < {p2:Int64}) AND (event = {p3:String})) AS first_t,
          groupUniqArrayIf(toInt64(toRelativeDayNum(toDate(fromUnixTimestamp64Milli(t, 'UTC'), {p0:String}))), (t >= {p4:Int64}) AND (event = {p5:String})) AS keys
        FROM (SELECT tl.person_hash AS person, tl.person_id AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl WHERE tl.project_id = {p6:String} AND ((type IN ('track', 'page', 'screen')) AND (t < {p7:Int64}) AND (event IN {p8:Array(String)})) AND tl.person_hash NOT IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id))) AND tl.distinct_hash NOT IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id)))) AS ev
        WHERE 1
        GROUP BY person UNION ALL SELECT person,
          countIf((t < {p2:Int64}) AND (event = {p3:String})) AS cohort_events,
          minIf(t, (t < {p2:Int64}) AND (event = {p3:String})) AS first_t,
          groupUniqArrayIf(toInt64(toRelativeDayNum(toDate(fromUnixTimestamp64Milli(t, 'UTC'), {p0:String}))), (t >= {p4:Int64}) AND (event = {p5:String})) AS keys
        FROM (SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl
      LEFT ANY JOIN (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id)) AS l ON l.dh = tl.distinct_hash
      WHERE tl.project_id = {p6:String} AND ((type IN ('track', 'page', 'screen')) AND (t < {p7:Int64}) AND (event IN {p8:Array(String)})) AND tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id)) UNION ALL SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id))
      UNION ALL SELECT cityHash64(person_id) FROM clickpath.person_alias_links WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String})) AND (tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id))) OR tl.distinct_hash IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p6:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p6:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p6:String}) GROUP BY distinct_id))))
      LIMIT 1 BY tl.event_id) AS ev
        WHERE 1
        GROUP BY person
      )
      WHERE cohort_events > 0 AND first_t >= {p9:Int64}
    ) GROUP BY c, k
    SETTINGS optimize_aggregation_in_order = 1`;

const PARAMS = {
  "p0": "UTC",
  "p1": 2,
  "p2": 1710115200000,
  "p3": "signup",
  "p4": 1710028800000,
  "p5": "home",
  "p6": "pin",
  "p7": 1710288000000,
  "p8": [
    "signup",
    "home"
  ],
  "p9": 1710028800000
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
