/**
 * Compiles an engagement plan to SQL: the shared sessionizer, then each view's dwell time taken
 * from the person's arrays (next non-heartbeat event in the same session), then one of the reports.
 */
import type { ParamValue, QueryParams } from '../../store/store.js';
import type { EventColumn } from '../sessions/sessionize-sql.js';
import { sessionizeSql } from '../sessions/sessionize-sql.js';
import type { EngagementPlan, EngagementReport } from './definition.js';

export interface CompiledQuery {
  readonly sql: string;
  readonly params: QueryParams;
}

export interface EngagementTarget {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
}

export const METRIC_COLUMNS: Readonly<Record<EngagementReport, readonly string[]>> = {
  daily: ['persons', 'measuredPersons', 'views', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs', 'avgTimePerPersonMs'],
  per_person_day: ['views', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs'],
  per_item_day: ['views', 'uniquePersons', 'measuredPersons', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs', 'avgTimePerPersonMs'],
};

const IS_VIEW = 'has({content_events:Array(String)}, toString(event))';
// Explicit durations: whole digits and an optional fraction, converted without floating point.
const DUR_TEXT = 'properties[{duration_property:String}]';
const DURATION_VALUE_SQL = `match(${DUR_TEXT}, '^[0-9]{1,12}([.][0-9]+)?$')`;
const WHOLE_SQL = `toInt64(splitByChar('.', ${DUR_TEXT})[1])`;
const MILLIS_SQL = `toInt64(substring(concat(splitByChar('.', ${DUR_TEXT})[2], '000'), 1, 3))`;

/** One row per content view: person_id, day (local date), key_vals, dwell_ms (-1 = unmeasured). */
function viewRowsSql(plan: EngagementPlan, target: EngagementTarget): CompiledQuery {
  const params: Record<string, ParamValue> = {
    content_events: [...plan.contentEvents],
    heartbeat_events: [...plan.heartbeatEvents],
  };
  const keyExprs = plan.keys.map((k, i) => {
    params[`key_${i}`] = k;
    return `properties[{key_${i}:String}]`;
  });
  const columns: EventColumn[] = [
    { name: 'is_view', expr: IS_VIEW },
    { name: 'is_hb', expr: 'has({heartbeat_events:Array(String)}, toString(event))' },
    {
      name: 'keys_at',
      expr: keyExprs.length > 0 ? `if(${IS_VIEW}, [${keyExprs.join(', ')}], [])` : 'CAST([], \'Array(String)\')',
    },
  ];
  if (plan.durationProperty !== null) {
    params.duration_property = plan.durationProperty;
    const ms = plan.durationUnit === 'ms' ? WHOLE_SQL : `${WHOLE_SQL} * 1000 + ${MILLIS_SQL}`;
    columns.push({
      name: 'explicit',
      expr: `if(${IS_VIEW} AND ${DURATION_VALUE_SQL}, ${ms}, toInt64(-1))`,
    });
  }
  const base = sessionizeSql({ ...target, rules: plan.rules, columns });
  Object.assign(params, base.params);

  // For each event: the first non-heartbeat event after it (position, time, found) and its
  // session's last event (position, time), from reverse fills that stay linear per person. A view
  // followed only by heartbeats lasts until the last of them.
  const dwell = `arrayMap((t, i, nx, ei, et) ->
      if(nx.3 AND nx.1 <= ei, nx.2 - t, if(ei > i, et - t, toInt64(-1))),
      ts, ix, next_non_hb, end_ix, end_ts)`;
  const withExplicit = plan.durationProperty !== null ? `arrayMap((x, d) -> if(x >= 0, x, d), explicit, ${dwell})` : dwell;
  const rangeWhere: string[] = [];
  if (plan.rules.from !== null) {
    rangeWhere.push('day >= {from_day:Date}');
    params.from_day = plan.rules.from;
  }
  if (plan.rules.to !== null) {
    rangeWhere.push('day <= {to_day:Date}');
    params.to_day = plan.rules.to;
  }
  const sql = `(
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
        arrayFilter((x, v) -> v, ${withExplicit}, is_view) AS v_dwell
      FROM ${base.sql}
    )
    ARRAY JOIN v_ts AS view_ts, v_keys AS key_vals, v_dwell AS dwell_ms
    ${rangeWhere.length > 0 ? `WHERE ${rangeWhere.join(' AND ')}` : ''}
  )`;
  return { sql, params };
}

const measuredCols = `toUInt32(count()) AS views,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs`;

/**
 * The report's SQL. `flatKeys`: per_item_day puts each key value in its own column key_1..key_n
 * (exports) instead of one array column `key` (JSON results).
 */
export function compileEngagement(plan: EngagementPlan, target: EngagementTarget, flatKeys: boolean): CompiledQuery {
  const views = viewRowsSql(plan, target);
  let sql: string;
  if (plan.report === 'daily') {
    sql = `SELECT day,
    toUInt32(uniqExact(person_id)) AS persons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    ${measuredCols},
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM ${views.sql}
  GROUP BY day
  ORDER BY day`;
  } else if (plan.report === 'per_person_day') {
    sql = `SELECT day, person_id AS personId,
    ${measuredCols}
  FROM ${views.sql}
  GROUP BY day, person_id
  ORDER BY day, person_id`;
  } else {
    const keyCols = flatKeys ? plan.keys.map((_, i) => `key_vals[${i + 1}] AS key_${i + 1}`).join(', ') : 'key_vals AS key';
    sql = `SELECT day${keyCols ? `, ${keyCols}` : ''},
    toUInt32(count()) AS views,
    toUInt32(uniqExact(person_id)) AS uniquePersons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs,
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM ${views.sql}
  GROUP BY day, key_vals
  ORDER BY day, key_vals`;
  }
  return { sql, params: views.params };
}
