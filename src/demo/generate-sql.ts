/**
 * The statements a scenario runs as. One person is one row of `numbers()`; its sessions and
 * their items are arrays built from hashes, and ARRAY JOIN turns items into event rows, so the
 * engine generates and inserts without any row crossing into JavaScript.
 *
 * Row coordinates are (person, position in person). A chunk is a range of persons; the last
 * chunk is cut at an exact (person, position) so the total is exactly the requested count.
 */
import type { Scenario } from './scenario.js';
import { stringArray } from './sql-random.js';

/** Persons in `numbers({first}, {count})` with their items and event count `n`. */
function personsSql(s: Scenario, withEvents: boolean): string {
  const columns = s.personColumns.map(([name, expr]) => `${expr} AS ${name}`);
  const events = withEvents
    ? `,
      arrayMap((items, s) -> arrayMap((it, j) -> toInt64(if(j = 1, 0, ${s.gapMs})), items, arrayEnumerate(items)),
        sess_items, range(length(sess_items))) AS sess_gaps,
      arrayFlatten(arrayMap((items, gaps, st, s) ->
        arrayMap((it, off, g, j) -> tuple(it.1, st + off, toUInt32(s), toUInt32(j), g, it.2, st),
          items, arrayCumSum(gaps), gaps, arrayEnumerate(items)),
        sess_items, sess_gaps, sess_start, range(length(sess_start)))) AS evs`
    : '';
  return `SELECT number AS p,
      ${columns.join(',\n      ')},
      arrayMap((s, st) -> ${s.sessionItems}, range(length(sess_start)), sess_start) AS sess_items,
      arraySum(arrayMap(x -> length(x), sess_items)) AS n${events}
    FROM numbers({first:UInt64}, {count:UInt64})`;
}

/** Total events of the chunk's persons. */
export function chunkTotalSql(s: Scenario): string {
  return `SELECT toString(sum(n)) AS chunk_total FROM (${personsSql(s, false)})`;
}

/** The first person at which the running event count reaches {need}, with that count. */
export function cutSql(s: Scenario): string {
  return `SELECT toString(p) AS person, toString(n) AS events, toString(cum) AS running FROM (
      SELECT p, n, sum(n) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
      FROM (${personsSql(s, false)}))
    WHERE cum >= {need:UInt64} ORDER BY p LIMIT 1`;
}

/** Events of persons before {cut_p}, and the first {cut_i} events of person {cut_p}. */
export function insertEventsSql(s: Scenario, database: string): string {
  const extra = Object.entries(s.eventColumns);
  const names = s.personColumns.map(([name]) => name);
  const idPart = (salt: number): string =>
    `reinterpretAsFixedString(cityHash64({seed:UInt64}, ${s.code}, ${salt}, p, i))`;
  const person = s.anonymous ? ["person_id AS anonymous_id", "'' AS user_id"] : ["'' AS anonymous_id", 'person_id AS user_id'];
  return `INSERT INTO ${database}.events
    (project_id, event_id, type, event, person_id, anonymous_id, user_id, timestamp, received_at${extra.map(([c]) => `, ${c}`).join('')})
    SELECT {project:String} AS project_id,
      reinterpretAsUUID(concat(${idPart(1_000_001)}, ${idPart(1_000_002)})) AS event_id,
      'track' AS type,
      ${stringArray(s.eventNames)}[kind + 1] AS event,
      person_id, ${person.join(', ')},
      fromUnixTimestamp64Milli(ts_ms, 'UTC') AS timestamp,
      fromUnixTimestamp64Milli(ts_ms, 'UTC') AS received_at${extra.map(([c, expr]) => `,\n      ${expr} AS ${c}`).join('')}
    FROM (
      SELECT p, i, e.1 AS kind, e.2 AS ts_ms, e.3 AS sess, e.4 AS j, e.5 AS gap_ms, e.6 AS tag, e.7 AS sess_ms,
        ${names.join(', ')}, ${s.personId} AS person_id
      FROM (${personsSql(s, true)})
      ARRAY JOIN evs AS e, arrayEnumerate(evs) AS i
      WHERE p < {cut_p:UInt64} OR (p = {cut_p:UInt64} AND i <= {cut_i:UInt64})
    )`;
}

/** One person_properties row per (person, key) for persons in the chunk. */
export function insertPersonsSql(s: Scenario, database: string): string {
  const pairs = s.personProperties.map(([key, expr]) => `('${key}', toString(${expr}))`);
  return `INSERT INTO ${database}.person_properties (project_id, person_id, key, value, updated_at)
    SELECT {project:String}, person_id, kv.1, kv.2, fromUnixTimestamp64Milli(first_seen_ms, 'UTC')
    FROM (
      SELECT ${s.personId} AS person_id, ${s.firstSeenMs} AS first_seen_ms, [${pairs.join(', ')}] AS kvs
      FROM (${personsSql(s, false)})
    )
    ARRAY JOIN kvs AS kv`;
}
