/**
 * Compiles an engagement plan to SQL: the shared sessionizer, then each view's dwell time taken
 * from the person's arrays (next non-heartbeat event in the same session), then one of the reports.
 *
 * The sessionizer reads each person's events from the person timeline when it carries what the
 * plan reads (`engagementSource`): event names and the channel columns do, event properties
 * (content keys, explicit durations) do not, so such plans read the events table.
 */
import type { QueryParams } from '../../store/store.js';
import type { EventColumn } from '../sessions/sessionize-sql.js';
import { sessionizeSql } from '../sessions/sessionize-sql.js';
import { sessionRange } from '../sessions/session-rules.js';
import { legacyText } from '../kernel/legacy-text.js';
import { and, ident, int64, join, NumberedParams, param, render, sql, str, strings, TRUE, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { IN_ORDER_SETTINGS } from '../person-timeline.js';
import type { RowSource } from '../timeline-parts.js';
import type { EngagementPlan, EngagementReport } from './definition.js';

export type CompiledQuery = CompiledSql;

export interface EngagementTarget {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  /** Force a source; by default `engagementSource(plan)`. */
  readonly source?: RowSource;
  /** false when the caller has seen that the project has no identity links; default true. */
  readonly aliases?: boolean;
}

/** The timeline carries event names and the channel columns, not event properties. */
export function engagementSource(plan: EngagementPlan): RowSource {
  return plan.keys.length === 0 && plan.durationProperty === null ? 'timeline' : 'events';
}

export const METRIC_COLUMNS: Readonly<Record<EngagementReport, readonly string[]>> = {
  daily: ['persons', 'measuredPersons', 'views', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs', 'avgTimePerPersonMs'],
  per_person_day: ['views', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs'],
  per_item_day: ['views', 'uniquePersons', 'measuredPersons', 'measuredViews', 'unmeasuredViews', 'totalTimeMs', 'avgTimePerViewMs', 'avgTimePerPersonMs'],
};

/** The per-event columns the sessionizer carries for engagement (is_view, is_hb, keys_at, explicit). */
function eventColumns(plan: EngagementPlan): Array<{ name: string; expr: Fragment }> {
  const isView = sql`has(${strings(plan.contentEvents)}, toString(event))`;
  const keyExprs = plan.keys.map((k) => sql`properties[${str(k)}]`);
  const columns = [
    { name: 'is_view', expr: isView },
    { name: 'is_hb', expr: sql`has(${strings(plan.heartbeatEvents)}, toString(event))` },
    { name: 'keys_at', expr: keyExprs.length > 0 ? sql`if(${isView}, [${join(keyExprs, ', ')}], [])` : sql`CAST([], 'Array(String)')` },
  ];
  if (plan.durationProperty !== null) {
    // Explicit durations: whole digits and an optional fraction, converted without floating point.
    const text = sql`properties[${str(plan.durationProperty)}]`;
    const whole = sql`toInt64(splitByChar('.', ${text})[1])`;
    const millis = sql`toInt64(substring(concat(splitByChar('.', ${text})[2], '000'), 1, 3))`;
    const ms = plan.durationUnit === 'ms' ? whole : sql`${whole} * 1000 + ${millis}`;
    columns.push({ name: 'explicit', expr: sql`if(${isView} AND match(${text}, '^[0-9]{1,12}([.][0-9]+)?$'), ${ms}, toInt64(-1))` });
  }
  return columns;
}

/**
 * One row per content view: person_id, day (local date), key_vals, dwell_ms (-1 = unmeasured).
 * The sessionizer (sessions/, still SQL text) binds its own named parameters; the columns it
 * carries are rendered through the same sink as the rest, so every value here is bound once.
 */
function viewRows(plan: EngagementPlan, target: EngagementTarget, source: RowSource, sink: NumberedParams): { rows: Fragment; params: QueryParams } {
  const columns: EventColumn[] = eventColumns(plan).map((c) => ({ name: c.name, expr: render(c.expr, sink) }));
  const { database, projectId, timezone, aliases = true } = target;
  const base = sessionizeSql({ database, projectId, timezone, aliases, rules: plan.rules, columns, source });

  // For each event: the first non-heartbeat event after it (position, time, found) and its
  // session's last event (position, time), from reverse fills that stay linear per person. A view
  // followed only by heartbeats lasts until the last of them.
  const dwell = sql`arrayMap((t, i, nx, ei, et) ->
      if(nx.3 AND nx.1 <= ei, nx.2 - t, if(ei > i, et - t, toInt64(-1))),
      ts, ix, next_non_hb, end_ix, end_ts)`;
  const withExplicit = plan.durationProperty !== null ? sql`arrayMap((x, d) -> if(x >= 0, x, d), explicit, ${dwell})` : dwell;
  const { fromMs, toMs } = sessionRange(plan.rules, timezone);
  const range = and([fromMs !== null ? sql`view_ts >= ${int64(fromMs)}` : TRUE, toMs !== null ? sql`view_ts < ${int64(toMs)}` : TRUE]);
  // The sessionizer binds the zone as {tz:String}; the day is read in the same parameter.
  const rows = sql`(
    SELECT person_id, toDate(fromUnixTimestamp64Milli(view_ts, 'UTC'), ${legacyText('{tz:String}')}) AS day, key_vals, dwell_ms
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
      FROM ${legacyText(base.sql)}
    )
    ARRAY JOIN v_ts AS view_ts, v_keys AS key_vals, v_dwell AS dwell_ms
    WHERE ${range}
  )`;
  return { rows, params: base.params };
}

const measuredCols = sql`toUInt32(count()) AS views,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs`;

/**
 * The report's SQL. `flatKeys`: per_item_day puts each key value in its own column key_1..key_n
 * (exports) instead of one array column `key` (JSON results).
 */
export function compileEngagement(plan: EngagementPlan, target: EngagementTarget, flatKeys: boolean): CompiledQuery {
  const sink = new NumberedParams();
  const source = target.source ?? engagementSource(plan);
  const views = viewRows(plan, target, source, sink);
  let query: Fragment;
  if (plan.report === 'daily') {
    query = sql`SELECT day,
    toUInt32(uniqExact(person_id)) AS persons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    ${measuredCols},
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM ${views.rows}
  GROUP BY day
  ORDER BY day`;
  } else if (plan.report === 'per_person_day') {
    query = sql`SELECT day, person_id AS personId,
    ${measuredCols}
  FROM ${views.rows}
  GROUP BY day, person_id
  ORDER BY day, person_id`;
  } else {
    // Key columns are numbered by position (key_1..key_n), never named after the key text.
    const flat = plan.keys.map((_, i) => sql`key_vals[${int64(i + 1)}] AS ${keyColumn(i)}`);
    const keyCols = flatKeys ? (flat.length > 0 ? sql`, ${join(flat, ', ')}` : sql``) : sql`, key_vals AS key`;
    query = sql`SELECT day${keyCols},
    toUInt32(count()) AS views,
    toUInt32(uniqExact(person_id)) AS uniquePersons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs,
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM ${views.rows}
  GROUP BY day, key_vals
  ORDER BY day, key_vals`;
  }
  // The timeline's per-person GROUP BY is on its sort-key prefix: this setting makes it stream.
  const text = render(query, sink) + (source === 'timeline' ? `\n  ${IN_ORDER_SETTINGS}` : '');
  return { sql: text, params: sink.with(views.params) };
}

const KEY_COLUMNS = Array.from({ length: 100 }, (_, i) => `key_${i + 1}`);

function keyColumn(i: number) {
  return ident(`key_${i + 1}`, KEY_COLUMNS);
}
