/**
 * Pinned SQL, funnel: home (plan = pro) → search → buy → home within 7 days, 2024-03-10 to
 * 2024-03-11, broken down by the event property `plan` of the step-2 event. An event-property
 * breakdown and filter read `events` (the timeline does not carry event properties).
 * A change to the compiled text or its parameters fails here first: read the diff, then re-pin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { compileFunnel, type StatsRow } from '../../../src/analyses/funnel/funnel-compiler.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { funnelDefinitionSchema } from '../../../src/analyses/funnel/definition.js';
import { insertPinFixture, PIN } from './pinned-fixture.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertPinFixture(store);
});
after(async () => dispose());

function compiled() {
  const def = funnelDefinitionSchema.parse({
    steps: [{ event: 'home', filters: [{ property: 'plan', op: 'eq', value: 'pro' }] }, { event: 'search' }, { event: 'buy' }, { event: 'home' }],
    window: '7d',
    from: '2024-03-10',
    to: '2024-03-11',
    breakdown: { type: 'event', property: 'plan', attributionStep: 2 },
  });
  return compileFunnel(planFunnel(def, PIN), PIN.database, PIN.projectId, { aliases: true });
}

const SQL = `SELECT set_id, key, toUInt32(entered) AS entered, toUInt32(converted) AS converted,
    arrayMap(x -> toUInt32(x), counts) AS counts,
    arrayMap(x -> toString(x), sums) AS sums,
    arrayPushFront(arrayMap(q -> toString(q[1]), qs), '0') AS medians,
    arrayPushFront(arrayMap(q -> toString(q[2]), qs), '0') AS p90s
  FROM (
    SELECT set_key.1 AS set_id, set_key.2 AS key, sum(entered) AS entered, sum(converted) AS converted, sumForEach(cnts) AS counts, sumForEach(sums) AS sums,
      quantilesExactLowForEachMergeIf(0.5, 0.899999999999)(qstates, set_id != 3) AS qs
    FROM (SELECT entered, converted, cnts, sums, qstates, arrayJoin([(toUInt8(0), ''), if(rnk <= {f13:UInt32}, (toUInt8(1), value), (toUInt8(2), ''))]) AS set_key
      FROM (
        SELECT *, dense_rank() OVER (ORDER BY value_total DESC, value ASC) AS rnk
        FROM (
          SELECT *, sum(entered) OVER (PARTITION BY value) AS value_total
          FROM (
            SELECT value, period, count() AS entered, countIf(level = 4) AS converted,
              countForEach(dts) AS cnts, sumForEach(dts) AS sums, quantilesExactLowForEachState(0.5, 0.899999999999)(arrayPopFront(dts)) AS qstates
            FROM (SELECT value, '' AS period, level,
          arrayMap((r, q) -> r - q, reach, arrayPushFront(arrayPopBack(reach), reach[1])) AS dts
        FROM (SELECT person_id, level, entry, reach, bvs[ms[2]] AS value FROM (SELECT *, [ts[ms[1]], ts[ms[2]], ts[ms[3]], ts[ms[4]]] AS fts, arraySlice(fts, 1, level) AS reach, ts[si] AS entry FROM (SELECT *, toUInt32(bitAnd(s, bitShiftLeft(toUInt64(1), ib) - 1)) AS si, [if(level >= 1, toUInt32(indexOf(b1, s)), toUInt32(0)), if(level >= 2, toUInt32(indexOf(b2, s)), toUInt32(0)), if(level >= 3, toUInt32(indexOf(b3, s)), toUInt32(0)), if(level >= 4, toUInt32(indexOf(b4, s)), toUInt32(0))] AS ms FROM (SELECT *, [b1[-1], b2[-1], b3[-1], b4[-1]] AS lasts, toUInt8(arrayCount(x -> x != 0, lasts)) AS level, lasts[level] AS s FROM (SELECT *, arrayFill(x -> x != 0, arrayMap((f, t, key) -> if(bitTest(f, 0) AND t >= {f11:Int64} AND t < {f12:Int64}, key, toUInt64(0)), fl, ts, keys)) AS b1, arrayFill(x -> x != 0, arrayMap((f, l, q) -> if(bitTest(f, 1) AND q >= l, q, toUInt64(0)), fl, lo, arrayShiftRight(b1, 1))) AS b2, arrayFill(x -> x != 0, arrayMap((f, l, q) -> if(bitTest(f, 2) AND q >= l, q, toUInt64(0)), fl, lo, arrayShiftRight(b2, 1))) AS b3, arrayFill(x -> x != 0, arrayMap((f, l, q) -> if(bitTest(f, 3) AND q >= l, q, toUInt64(0)), fl, lo, arrayShiftRight(b3, 1))) AS b4 FROM (SELECT *, arrayMap((t, i) -> bitOr(bitShiftLeft(toUInt64(t - base), ib), toUInt64(i)), ts, arrayEnumerate(ts)) AS keys, arrayMap(t -> if(t - base - {f10:Int64} <= 0, toUInt64(1), bitShiftLeft(toUInt64(t - base - {f10:Int64}), ib)), ts) AS lo FROM (SELECT *, ts[1] AS base, toUInt8(floor(log2(length(ts))) + 1) AS ib FROM (SELECT person_id, bvs, pvalue,
      arrayMap(x -> toInt64(bitShiftRight(x, 192)) - 4611686018427387904, ks) AS ts,
      arrayMap(x -> toUInt64(bitShiftRight(x, 128)), ks) AS fl
    FROM (SELECT g.person_id AS person_id, arraySort((v, x) -> x, g.bvs, g.ks) AS bvs, arraySort(g.ks) AS ks, '' AS pvalue
    FROM (SELECT person_id, groupArray(k) AS ks, groupArray(bv) AS bvs
    FROM (SELECT person_id, bitOr(bitOr(bitShiftLeft(toUInt256(toUInt64(toUnixTimestamp64Milli(timestamp) + 4611686018427387904)), 192),
                  bitShiftLeft(toUInt256(bitShiftLeft(toUInt64(event IN {f5:Array(String)} AND (mapContains(properties, {f3:String}) AND properties[{f3:String}] = {f4:String})), 0) + bitShiftLeft(toUInt64(event IN {f6:Array(String)}), 1) + bitShiftLeft(toUInt64(event IN {f7:Array(String)}), 2) + bitShiftLeft(toUInt64(event IN {f8:Array(String)}), 3) AS flags), 128)),
            toUInt256(reinterpretAsUInt128(event_id))) AS k,
      properties[{f9:String}] AS bv
    FROM (
    SELECT e.* REPLACE (if(a.person_id != '', a.person_id, e.person_id) AS person_id)
    FROM clickpath.events AS e
    LEFT ANY JOIN (
      SELECT distinct_id, argMax(person_id, updated_at) AS person_id
      FROM (SELECT * FROM clickpath.person_aliases WHERE project_id = {project:String})
      GROUP BY distinct_id
    ) AS a ON a.distinct_id = e.person_id
    WHERE (e.project_id = {project:String}) AND (e.type IN ('track', 'page', 'screen') AND e.timestamp >= fromUnixTimestamp64Milli({f0:Int64}, 'UTC') AND toDate(e.timestamp) >= toDate(fromUnixTimestamp64Milli({f0:Int64}, 'UTC')) AND e.timestamp < fromUnixTimestamp64Milli({f1:Int64}, 'UTC') AND toDate(e.timestamp) <= toDate(fromUnixTimestamp64Milli({f1:Int64}, 'UTC')) AND e.event IN {f2:Array(String)})
  )
    WHERE flags != 0)
    GROUP BY person_id) AS g
    
    WHERE 1)))))))))
        WHERE level >= 1)
            GROUP BY value, period))))
    GROUP BY set_id, key
  )
  ORDER BY set_id, entered DESC, key`;

const PARAMS = {
  "project": "pin",
  "f0": 1710028800000,
  "f1": 1710806400000,
  "f2": [
    "home",
    "search",
    "buy"
  ],
  "f3": "plan",
  "f4": "pro",
  "f5": [
    "home"
  ],
  "f6": [
    "search"
  ],
  "f7": [
    "buy"
  ],
  "f8": [
    "home"
  ],
  "f9": "plan",
  "f10": 604800000,
  "f11": 1710028800000,
  "f12": 1710201600000,
  "f13": 10
};

test('funnel: the representative definition compiles to the pinned SQL and parameters', () => {
  const q = compiled();
  assert.equal(q.sql, SQL);
  assert.deepEqual(q.params, PARAMS);
});

test('funnel: the pinned SQL runs on the engine and gives the hand-checked numbers', async () => {
  const q = compiled();
  const rows = await store.query<StatsRow>(q.sql, q.params);
  const got = rows.map((r) => ({
    set: Number(r.set_id), key: r.key, entered: Number(r.entered), converted: Number(r.converted),
    counts: r.counts.map(Number), sums: [...r.sums], medians: [...r.medians], p90s: [...r.p90s],
  }));
  // u1: home (pro) 09:01, search 09:02 (plan pro), buy 09:03, home next day 10:00 (24h57m after
  // buy, within 7 days of the start): all 4 steps. u2: home (pro) 12:00:30, search 12:01 (no
  // plan, value ''): 2 steps. u3's home is plan free, so never enters; the other project's u1 is
  // not counted. Step k's times are from step k-1: u1 60 s, 60 s, 89 820 s; u2 30 s. A row's
  // arrays end at the furthest step one of its persons reached (shapeFunnel reads the rest as 0).
  const u1 = ['0', '60000', '60000', '89820000'];
  const u2 = ['0', '30000'];
  assert.deepEqual(got, [
    { set: 0, key: '', entered: 2, converted: 1, counts: [2, 2, 1, 1], sums: ['0', '90000', '60000', '89820000'], medians: ['0', '30000', '60000', '89820000'], p90s: ['0', '60000', '60000', '89820000'] },
    { set: 1, key: '', entered: 1, converted: 0, counts: [1, 1], sums: u2, medians: u2, p90s: u2 },
    { set: 1, key: 'pro', entered: 1, converted: 1, counts: [1, 1, 1, 1], sums: u1, medians: u1, p90s: u1 },
  ]);
});
