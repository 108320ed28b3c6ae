/**
 * Pinned SQL, engagement: daily time on `flyer_open` views on 2024-03-10, on the person timeline (the default source: no keys or duration property), through the sessions analysis' sessionizer.
 * A change to the compiled text or its parameters fails here first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compileEngagement } from '../../../src/analyses/engagement/engagement-compiler.js';
import { engagementDefinitionSchema, planEngagement } from '../../../src/analyses/engagement/definition.js';
import { insertPinFixture, PIN } from './pinned-fixture.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertPinFixture(store);
});
after(async () => dispose());

function compiled() {
  const def = engagementDefinitionSchema.parse({ contentEvents: ['flyer_open'], report: 'daily', from: '2024-03-10', to: '2024-03-10' });
  return compileEngagement(planEngagement(def), PIN, false);
}

const SQL = `SELECT day,
    toUInt32(uniqExact(person_id)) AS persons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    toUInt32(count()) AS views,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs,
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM (
    SELECT person_id, toDate(fromUnixTimestamp64Milli(view_ts, 'UTC'), {tz:String}) AS day, key_vals, dwell_ms
    FROM (
      SELECT
        person_id,
        arrayPushBack(arrayPopFront(arrayReverseFill(x -> x.3, arrayZip(ix, ts, arrayMap(h -> NOT h, is_hb)))),
          (toUInt32(0), toInt64(0), 0)) AS next_non_hb,
        arrayReverseFill((x, e) -> e, ix, is_end) AS end_ix,
        arrayReverseFill((x, e) -> e, ts, is_end) AS end_ts,
        arrayFilter((x, v) -> v, ts, is_view) AS v_ts,
        arrayFilter((x, v) -> v, keys_at, is_view) AS v_keys,
        arrayFilter((x, v) -> v, arrayMap((t, i, nx, ei, et) ->
      if(nx.3 AND nx.1 <= ei, nx.2 - t, if(ei > i, et - t, toInt64(-1))),
      ts, ix, next_non_hb, end_ix, end_ts), is_view) AS v_dwell
      FROM (
    SELECT
      person_id,
      ev.1 AS ts,
      ev.2 AS id_keys,
      ev.3 AS is_view,
      ev.4 AS is_hb,
      ev.5 AS keys_at,
      arrayEnumerate(ts) AS ix,
      arrayMap((g, i) -> i = 1 OR g > {timeout_ms:Int64}, arrayDifference(ts), ix) AS b_run,
      
      b_run AS b_piece,
      arrayMap((b, w) -> b OR w != 0, b_piece,
        arrayDifference(arrayMap((t, p) -> intDiv(t - p, {max_length_ms:Int64}), ts,
          arrayFill((t, b) -> b, ts, b_piece)))) AS b_sess,
      arrayPushBack(arrayPopFront(b_sess), 1) AS is_end
    FROM (
      SELECT person, any(person_id) AS person_id, arraySort(groupArray(tuple(t, reinterpretAsUInt128(reverse(UUIDToNum(event_id))), has({p0:Array(String)}, toString(event)), has({p1:Array(String)}, toString(event)), CAST([], 'Array(String)')))) AS ev FROM (SELECT * FROM (SELECT tl.person_hash AS person, tl.person_id AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl WHERE tl.project_id = {project:String} AND (toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) >= {ev_from:Date} AND tl.t >= toInt64(toUnixTimestamp(toDateTime({ev_from:Date} - 1, 'UTC'))) * 1000 AND toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) <= {ev_to:Date} AND tl.t < toInt64(toUnixTimestamp(toDateTime({ev_to:Date} + 2, 'UTC'))) * 1000 AND tl.type IN {activity_types:Array(String)}) AND tl.person_hash NOT IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))) AND tl.distinct_hash NOT IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))))) GROUP BY person
    UNION ALL
    SELECT person, any(person_id) AS person_id, arraySort(groupArray(tuple(t, reinterpretAsUInt128(reverse(UUIDToNum(event_id))), has({p0:Array(String)}, toString(event)), has({p1:Array(String)}, toString(event)), CAST([], 'Array(String)')))) AS ev FROM (SELECT * FROM (SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl
      LEFT ANY JOIN (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id)) AS l ON l.dh = tl.distinct_hash
      WHERE tl.project_id = {project:String} AND (toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) >= {ev_from:Date} AND tl.t >= toInt64(toUnixTimestamp(toDateTime({ev_from:Date} - 1, 'UTC'))) * 1000 AND toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) <= {ev_to:Date} AND tl.t < toInt64(toUnixTimestamp(toDateTime({ev_to:Date} + 2, 'UTC'))) * 1000 AND tl.type IN {activity_types:Array(String)}) AND tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id)) UNION ALL SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))
      UNION ALL SELECT cityHash64(person_id) FROM clickpath.person_alias_links WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String})) AND (tl.person_hash IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))) OR tl.distinct_hash IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))))
      LIMIT 1 BY tl.event_id)) GROUP BY person
    )
  )
    )
    ARRAY JOIN v_ts AS view_ts, v_keys AS key_vals, v_dwell AS dwell_ms
    WHERE (view_ts >= {p2:Int64}) AND (view_ts < {p3:Int64})
  )
  GROUP BY day
  ORDER BY day
  SETTINGS optimize_aggregation_in_order = 1`;

const PARAMS = {
  "tz": "UTC",
  "timeout_ms": 1800000,
  "max_length_ms": 86400000,
  "activity_types": [
    "track",
    "page",
    "screen"
  ],
  "ev_from": "2024-03-08",
  "ev_to": "2024-03-12",
  "project": "pin",
  "p0": [
    "flyer_open"
  ],
  "p1": [],
  "p2": 1710028800000,
  "p3": 1710115200000
};

test('engagement: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('engagement: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<Record<string, unknown>>(q.sql, q.params);
  // u3's first open lasts until the second (40 s), the second until home (20 s).
  assert.deepEqual(rows, [{
    day: '2024-03-10', persons: 1, measuredPersons: 1, views: 2, measuredViews: 2, unmeasuredViews: 0,
    totalTimeMs: 60000, avgTimePerViewMs: 30000, avgTimePerPersonMs: 60000,
  }]);
});
