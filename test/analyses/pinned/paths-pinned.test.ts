/**
 * Pinned SQL, paths: the next two events after `home` within a 30-minute session, on 2024-03-10.
 * The default source, the person timeline (both parts: persons no identity link touches, read in
 * key order, and linked persons). A change to the compiled text or its parameters fails here
 * first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compilePaths } from '../../../src/analyses/paths/paths-compiler.js';
import { pathsDefinitionSchema } from '../../../src/analyses/paths/definition.js';
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
  const def = pathsDefinitionSchema.parse({ startEvent: 'home', steps: 2, from: '2024-03-10', to: '2024-03-10' });
  return compilePaths({ ...PIN, definition: def, range: resolveRange(def.from, def.to, 'UTC') });
}

const SQL = `SELECT path, toUInt32(count()) AS n FROM (
      SELECT arrayConcat([names[a]], arrayFilter((nm, s) -> s = sess[a], arraySlice(names, a + 1, {p0:Int64}), arraySlice(sess, a + 1, {p0:Int64}))) AS path
      FROM (
        SELECT
          arraySort(x -> (x.1, x.2), groupArray((t, toString(event_id), event))) AS evs,
          arrayMap(x -> x.1, evs) AS ts,
          arrayMap(x -> x.3, evs) AS names,
          arrayCumSum(arrayMap(i -> toUInt32(i = 1 OR ts[i] - ts[i - 1] > {p1:Int64}), arrayEnumerate(ts))) AS sess,
          arrayMap(i -> toInt64(i), arrayFilter(i -> names[i] = {p2:String}, arrayEnumerate(names))) AS hits,
          arrayFilter((i, j) -> j = 0 OR sess[j] != sess[i], hits, arrayPopBack(arrayPushFront(hits, 0))) AS anchors
        FROM (SELECT tl.person_hash AS person, tl.person_id AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl WHERE tl.project_id = {p3:String} AND ((type IN ('track', 'page', 'screen')) AND (t >= {p4:Int64} AND t < {p5:Int64})) AND tl.person_hash NOT IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id))) AND tl.distinct_hash NOT IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id)))) AS ev
        WHERE 1
        GROUP BY person UNION ALL SELECT
          arraySort(x -> (x.1, x.2), groupArray((t, toString(event_id), event))) AS evs,
          arrayMap(x -> x.1, evs) AS ts,
          arrayMap(x -> x.3, evs) AS names,
          arrayCumSum(arrayMap(i -> toUInt32(i = 1 OR ts[i] - ts[i - 1] > {p1:Int64}), arrayEnumerate(ts))) AS sess,
          arrayMap(i -> toInt64(i), arrayFilter(i -> names[i] = {p2:String}, arrayEnumerate(names))) AS hits,
          arrayFilter((i, j) -> j = 0 OR sess[j] != sess[i], hits, arrayPopBack(arrayPushFront(hits, 0))) AS anchors
        FROM (SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl
      LEFT ANY JOIN (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id)) AS l ON l.dh = tl.distinct_hash
      WHERE tl.project_id = {p3:String} AND ((type IN ('track', 'page', 'screen')) AND (t >= {p4:Int64} AND t < {p5:Int64})) AND tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id)) UNION ALL SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id))
      UNION ALL SELECT cityHash64(person_id) FROM clickpath.person_alias_links WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String})) AND (tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id))) OR tl.distinct_hash IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {p3:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {p3:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {p3:String}) GROUP BY distinct_id))))
      LIMIT 1 BY tl.event_id) AS ev
        WHERE 1
        GROUP BY person
      ) ARRAY JOIN anchors AS a
    ) GROUP BY path ORDER BY n DESC, path ASC
    SETTINGS optimize_aggregation_in_order = 1`;

const PARAMS = {
  "p0": 2,
  "p1": 1800000,
  "p2": "home",
  "p3": "pin",
  "p4": 1710028800000,
  "p5": 1710115200000
};

test('paths: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('paths: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<{ path: string[]; n: number }>(q.sql, q.params);
  // u1: home → search → buy; u2: home → search; u3: home ends the session.
  assert.deepEqual(rows, [{ path: ['home'], n: 1 }, { path: ['home', 'search'], n: 1 }, { path: ['home', 'search', 'buy'], n: 1 }]);
});
