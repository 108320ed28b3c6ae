/**
 * Pinned SQL, sessions: the daily report for 2024-03-10..2024-03-11 with intent (`search`),
 * success after intent (`buy`) and bounces under 90 s, on the person timeline (the default source).
 * A change to the compiled text or its parameters fails here first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compileDaily } from '../../../src/analyses/sessions/sessions-compiler.js';
import { planSessions, sessionsDefinitionSchema } from '../../../src/analyses/sessions/definition.js';
import { insertPinFixture, PIN } from './pinned-fixture.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertPinFixture(store);
});
after(async () => dispose());

function compiled() {
  const def = sessionsDefinitionSchema.parse({
    intent: { events: ['search'] },
    success: { events: ['buy'], afterIntent: true },
    bounce: { shorterThan: '90s' },
    from: '2024-03-10',
    to: '2024-03-11',
  });
  return compileDaily(planSessions(def), PIN);
}

const SQL = `SELECT
    day,
    toUInt32(count()) AS sessions,
    toUInt32(uniqExact(person_id)) AS persons,
    sum(duration_ms) / count() AS avgDurationMs,
    (toFloat64(quantileExactLow(0.5)(duration_ms)) + toFloat64(quantileExactHigh(0.5)(duration_ms))) / 2 AS medianDurationMs,
    toUInt32(countIf(bounce)) AS bounces,
    countIf(bounce) / count() AS bounceRate,
    toUInt32(countIf(intent)) AS intentSessions,
    toUInt32(countIf(success)) AS successSessions,
    toUInt32(countIf(intent AND success)) AS intentSuccessSessions,
    if(countIf(intent) = 0, NULL, countIf(intent AND success) / countIf(intent)) AS intentToSuccessRate
  FROM (
    SELECT
      person_id,
      lower(hex(MD5(concat(person_id, '\\0', lower(UUIDNumToString(reverse(reinterpretAsFixedString(first_id)))))))) AS session_id,
      start_ms,
      end_ms,
      end_ms - start_ms AS duration_ms,
      toUInt32(last_ix - first_ix + 1) AS event_count,
      toDate(fromUnixTimestamp64Milli(start_ms, 'UTC'), {tz:String}) AS day,
      intent_ix >= first_ix AND intent_ix <= last_ix AS intent,
      intent AND success_ix > intent_ix AS success,
      event_count = 1 OR duration_ms < {bounce_ms:Int64} AS bounce
    FROM (
      SELECT person_id, arrayFilter((x, b) -> b, ts, b_sess) AS s_start,
        arrayFilter((x, b) -> b, ts, is_end) AS s_end,
        arrayFilter((x, b) -> b, id_keys, b_sess) AS s_first_id,
        arrayFilter((x, b) -> b, ix, b_sess) AS s_first_ix,
        arrayFilter((x, b) -> b, ix, is_end) AS s_last_ix,
        arrayFilter((x, b) -> b, arrayReverseFill(x -> x > 0, arrayMap((f, i) -> if(f, i, 0), is_intent, ix)), b_sess) AS s_intent_ix,
        arrayFilter((x, b) -> b, arrayFill(x -> x > 0, arrayMap((f, i) -> if(f, i, 0), is_success, ix)), is_end) AS s_success_ix
      FROM (
    SELECT
      person_id,
      ev.1 AS ts,
      ev.2 AS id_keys,
      ev.3 AS is_intent,
      ev.4 AS is_success,
      arrayEnumerate(ts) AS ix,
      arrayMap((g, i) -> i = 1 OR g > {timeout_ms:Int64}, arrayDifference(ts), ix) AS b_run,
      
      b_run AS b_piece,
      arrayMap((b, w) -> b OR w != 0, b_piece,
        arrayDifference(arrayMap((t, p) -> intDiv(t - p, {max_length_ms:Int64}), ts,
          arrayFill((t, b) -> b, ts, b_piece)))) AS b_sess,
      arrayPushBack(arrayPopFront(b_sess), 1) AS is_end
    FROM (
      SELECT person, any(person_id) AS person_id, arraySort(groupArray(tuple(t, reinterpretAsUInt128(reverse(UUIDToNum(event_id))), has({intent_events:Array(String)}, toString(event)), has({success_events:Array(String)}, toString(event))))) AS ev FROM (SELECT * FROM (SELECT tl.person_hash AS person, tl.person_id AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
      FROM clickpath.person_timeline AS tl WHERE tl.project_id = {project:String} AND (toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) >= {ev_from:Date} AND tl.t >= toInt64(toUnixTimestamp(toDateTime({ev_from:Date} - 1, 'UTC'))) * 1000 AND toDate(fromUnixTimestamp64Milli(tl.t, 'UTC'), {tz:String}) <= {ev_to:Date} AND tl.t < toInt64(toUnixTimestamp(toDateTime({ev_to:Date} + 2, 'UTC'))) * 1000 AND tl.type IN {activity_types:Array(String)}) AND tl.person_hash NOT IN (SELECT ph FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))) AND tl.distinct_hash NOT IN (SELECT dh FROM (SELECT cityHash64(distinct_id) AS dh, cityHash64(person_id) AS ph, person_id FROM (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM clickpath.person_aliases
      WHERE project_id = {project:String} AND distinct_id IN (SELECT distinct_id FROM clickpath.person_overrides WHERE project_id = {project:String}
      UNION ALL SELECT distinct_id FROM clickpath.timeline_fresh_ids WHERE project_id = {project:String}) GROUP BY distinct_id))))) GROUP BY person
    UNION ALL
    SELECT person, any(person_id) AS person_id, arraySort(groupArray(tuple(t, reinterpretAsUInt128(reverse(UUIDToNum(event_id))), has({intent_events:Array(String)}, toString(event)), has({success_events:Array(String)}, toString(event))))) AS ev FROM (SELECT * FROM (SELECT if(l.person_id != '', l.ph, tl.person_hash) AS person, if(l.person_id != '', l.person_id, tl.person_id) AS person_id, tl.t AS t, tl.event_id AS event_id, tl.event AS event, tl.type AS type, tl.device_type AS device_type, tl.os AS os, tl.browser AS browser, tl.channel AS channel, tl.country AS country, tl.locale AS locale, tl.utm_source AS utm_source, tl.utm_medium AS utm_medium, tl.utm_campaign AS utm_campaign, tl.page_path AS page_path
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
    ARRAY JOIN s_start AS start_ms, s_end AS end_ms, s_first_id AS first_id, s_first_ix AS first_ix, s_last_ix AS last_ix, s_intent_ix AS intent_ix, s_success_ix AS success_ix
    WHERE start_ms >= {from_ms:Int64} AND start_ms < {to_ms:Int64}
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
  "ev_to": "2024-03-13",
  "project": "pin",
  "intent_events": [
    "search"
  ],
  "success_events": [
    "buy"
  ],
  "bounce_ms": 90000,
  "from_ms": 1710028800000,
  "to_ms": 1710201600000
};

test('sessions: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('sessions: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<Record<string, unknown>>(q.sql, q.params);
  // 03-10: u1 09:00–09:03 (4 events, search then buy), u2 12:00–12:01 (search, no buy) and u3
  // 15:00–15:01 (no search); u2's and u3's minute is under 90 s, so both bounce. Median of
  // 180 s, 60 s, 60 s is 60 s. 03-11: u1's one home view, a bounce.
  assert.deepEqual(rows, [
    {
      day: '2024-03-10', sessions: 3, persons: 3, avgDurationMs: 100000, medianDurationMs: 60000, bounces: 2,
      bounceRate: 2 / 3, intentSessions: 2, successSessions: 1, intentSuccessSessions: 1, intentToSuccessRate: 0.5,
    },
    {
      day: '2024-03-11', sessions: 1, persons: 1, avgDurationMs: 0, medianDurationMs: 0, bounces: 1,
      bounceRate: 1, intentSessions: 0, successSessions: 0, intentSuccessSessions: 0, intentToSuccessRate: null,
    },
  ]);
});
