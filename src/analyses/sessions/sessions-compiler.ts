/**
 * Compiles a sessions plan to SQL: the sessionizer, then per-session values taken from each
 * person's arrays at session starts and ends, then the daily report or the session list.
 */
import type { ParamValue, QueryParams } from '../../store/store.js';
import type { SessionsPlan } from './definition.js';
import type { EventColumn, PersonScope } from './sessionize-sql.js';
import { eventIdText, sessionizeSql } from './sessionize-sql.js';
import { settingsFor } from '../person-timeline.js';
import { sessionRange } from './session-rules.js';

export interface CompiledQuery {
  readonly sql: string;
  readonly params: QueryParams;
}

export interface SessionsTarget {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  /** false when the project has no alias link: identity resolution is skipped. */
  readonly aliases?: boolean;
  /**
   * `timeline` (default): the person timeline, which carries every column sessions read;
   * `events`: the date-ordered table grouped by hashing, the benchmark's old path.
   */
  readonly source?: 'timeline' | 'events';
}


/** Daily report columns, in order; also the export's columns. */
export const DAILY_COLUMNS = [
  'day', 'sessions', 'persons', 'avgDurationMs', 'medianDurationMs', 'bounces', 'bounceRate',
  'intentSessions', 'successSessions', 'intentSuccessSessions', 'intentToSuccessRate',
] as const;

/** Session list columns, in order; also the export's columns. */
export const LIST_COLUMNS = [
  'sessionId', 'personId', 'day', 'start', 'end', 'durationMs', 'events', 'entryEvent', 'exitEvent',
  'entryPage', 'exitPage', 'channel', 'device', 'intent', 'success', 'bounce',
] as const;

const at = (array: string, flag: 'b_sess' | 'is_end'): string => `arrayFilter((x, b) -> b, ${array}, ${flag})`;
// First non-empty value at or after / last at or before each position, with its position, so a
// value from a neighbouring session can be told apart.
const firstNonEmpty = (array: string): string => at(`arrayReverseFill(x -> x.2 != '', arrayZip(ix, ${array}))`, 'b_sess');
const lastNonEmpty = (array: string): string => at(`arrayFill(x -> x.2 != '', arrayZip(ix, ${array}))`, 'is_end');

/** One row per session starting inside from/to; `withDetails` adds the list view's fields. */
function sessionRowsSql(plan: SessionsPlan, target: SessionsTarget, withDetails: boolean, scope: PersonScope | null = null): CompiledQuery {
  const columns: EventColumn[] = [
    { name: 'is_intent', expr: 'has({intent_events:Array(String)}, toString(event))' },
    { name: 'is_success', expr: 'has({success_events:Array(String)}, toString(event))' },
  ];
  if (withDetails) {
    columns.push(
      { name: 'name', expr: 'toString(event)' },
      { name: 'page', expr: 'page_path' },
      { name: 'chan', expr: 'toString(channel)' },
      { name: 'dev', expr: 'toString(device_type)' },
    );
  }
  const base = sessionizeSql({ ...target, source: target.source ?? 'timeline', rules: plan.rules, columns, scope });
  const perPerson = [
    `${at('ts', 'b_sess')} AS s_start`,
    `${at('ts', 'is_end')} AS s_end`,
    `${at('id_keys', 'b_sess')} AS s_first_id`,
    `${at('ix', 'b_sess')} AS s_first_ix`,
    `${at('ix', 'is_end')} AS s_last_ix`,
    // next intent at or after the session start; last success at or before its end (0 = none)
    `${at('arrayReverseFill(x -> x > 0, arrayMap((f, i) -> if(f, i, 0), is_intent, ix))', 'b_sess')} AS s_intent_ix`,
    `${at('arrayFill(x -> x > 0, arrayMap((f, i) -> if(f, i, 0), is_success, ix))', 'is_end')} AS s_success_ix`,
  ];
  const joined = ['s_start AS start_ms', 's_end AS end_ms', 's_first_id AS first_id', 's_first_ix AS first_ix',
    's_last_ix AS last_ix', 's_intent_ix AS intent_ix', 's_success_ix AS success_ix'];
  const details: string[] = [];
  if (withDetails) {
    perPerson.push(
      `${at('name', 'b_sess')} AS s_entry_event`,
      `${at('name', 'is_end')} AS s_exit_event`,
      `${firstNonEmpty('page')} AS s_entry_page`,
      `${lastNonEmpty('page')} AS s_exit_page`,
      `${firstNonEmpty('chan')} AS s_channel`,
      `${firstNonEmpty('dev')} AS s_device`,
    );
    joined.push('s_entry_event AS entry_event', 's_exit_event AS exit_event', 's_entry_page AS entry_page',
      's_exit_page AS exit_page', 's_channel AS channel_at', 's_device AS device_at');
    details.push(
      "if(entry_page.1 <= last_ix, entry_page.2, '') AS entry_page_value",
      "if(exit_page.1 >= first_ix, exit_page.2, '') AS exit_page_value",
      "if(channel_at.1 <= last_ix, channel_at.2, '') AS channel_value",
      "if(device_at.1 <= last_ix, device_at.2, '') AS device_value",
      'entry_event', 'exit_event',
    );
  }
  const rangeWhere: string[] = [];
  const params: Record<string, ParamValue> = {
    ...base.params,
    intent_events: [...plan.intentEvents],
    success_events: [...plan.successEvents],
    bounce_ms: plan.bounceShorterThanMs ?? 0,
  };
  const range = sessionRange(plan.rules, target.timezone);
  if (range.fromMs !== null) {
    rangeWhere.push('start_ms >= {from_ms:Int64}');
    params.from_ms = range.fromMs;
  }
  if (range.toMs !== null) {
    rangeWhere.push('start_ms < {to_ms:Int64}');
    params.to_ms = range.toMs;
  }
  const success = plan.successAfterIntent ? 'intent AND success_ix > intent_ix' : 'success_ix >= first_ix';
  const sql = `(
    SELECT
      person_id,
      lower(hex(MD5(concat(person_id, '\\0', ${eventIdText('first_id')})))) AS session_id,
      start_ms,
      end_ms,
      end_ms - start_ms AS duration_ms,
      toUInt32(last_ix - first_ix + 1) AS event_count,
      toDate(fromUnixTimestamp64Milli(start_ms, 'UTC'), {tz:String}) AS day,
      intent_ix >= first_ix AND intent_ix <= last_ix AS intent,
      ${success} AS success,
      event_count = 1 OR duration_ms < {bounce_ms:Int64} AS bounce${details.map((d) => `,\n      ${d}`).join('')}
    FROM (
      SELECT person_id, ${perPerson.join(',\n        ')}
      FROM ${base.sql}
    )
    ARRAY JOIN ${joined.join(', ')}
    ${rangeWhere.length > 0 ? `WHERE ${rangeWhere.join(' AND ')}` : ''}
  )`;
  return { sql, params };
}

/** Daily report: one row per local date of session start, dates ascending. */
export function compileDaily(plan: SessionsPlan, target: SessionsTarget): CompiledQuery {
  const rows = sessionRowsSql(plan, target, false);
  const sql = `SELECT
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
  FROM ${rows.sql}
  GROUP BY day
  ORDER BY day${settingsFor(target.source ?? 'timeline')}`;
  return { sql, params: rows.params };
}

/** Columns of the per-person daily state, in order. */
export const PERSON_DAY_COLUMNS = ['day', 'person_id', 'sessions', 'durations', 'bounces', 'intents', 'successes', 'intent_successes'] as const;

/**
 * The daily report's state per person: one row per (day, person) with the numbers of that
 * person's sessions starting that day, from which `dailyFromPersonDays` gives the daily report.
 * Saved reports keep these rows so that a run recomputes only the persons new data touched.
 */
export function compilePersonDays(plan: SessionsPlan, target: SessionsTarget, scope: PersonScope | null): CompiledQuery {
  const rows = sessionRowsSql(plan, target, false, scope);
  const sql = `SELECT
    day,
    person_id,
    toUInt32(count()) AS sessions,
    groupArray(duration_ms) AS durations,
    toUInt32(countIf(bounce)) AS bounces,
    toUInt32(countIf(intent)) AS intents,
    toUInt32(countIf(success)) AS successes,
    toUInt32(countIf(intent AND success)) AS intent_successes
  FROM ${rows.sql}
  GROUP BY day, person_id${settingsFor(target.source ?? 'timeline')}`;
  return { sql, params: rows.params };
}

/**
 * The daily report from per-person state rows (a subquery with PERSON_DAY_COLUMNS; rows with
 * sessions = 0 say a person has none that day). Each expression is compileDaily's over the same
 * sessions, summed per person first, with the same types, so both give identical numbers; the
 * report property tests compare them.
 */
export function dailyFromPersonDays(state: string): string {
  // State columns renamed first: the output names `sessions` and `bounces` would shadow them.
  return `SELECT
    day,
    toUInt32(sum(n)) AS sessions,
    toUInt32(countIf(n > 0)) AS persons,
    sum(arraySum(d)) / sum(n) AS avgDurationMs,
    (toFloat64(quantileExactLowArray(0.5)(d)) + toFloat64(quantileExactHighArray(0.5)(d))) / 2 AS medianDurationMs,
    toUInt32(sum(b)) AS bounces,
    sum(b) / sum(n) AS bounceRate,
    toUInt32(sum(i)) AS intentSessions,
    toUInt32(sum(s)) AS successSessions,
    toUInt32(sum(i_s)) AS intentSuccessSessions,
    if(sum(i) = 0, NULL, sum(i_s) / sum(i)) AS intentToSuccessRate
  FROM (
    SELECT day, sessions AS n, durations AS d, bounces AS b, intents AS i, successes AS s, intent_successes AS i_s
    FROM ${state}
  )
  GROUP BY day
  HAVING sum(n) > 0
  ORDER BY day`;
}

/**
 * Session list, ordered by start then session id. `limit` null = every matching session.
 * With `withTotal`, each row also carries the number of matching sessions before paging.
 */
export function compileList(plan: SessionsPlan, target: SessionsTarget, limit: number | null, withTotal: boolean): CompiledQuery {
  const rows = sessionRowsSql(plan, target, true);
  const params: Record<string, ParamValue> = { ...rows.params };
  const where: string[] = [];
  const l = plan.list;
  if (l.hasIntent !== null) {
    where.push('intent = {want_intent:Bool}');
    params.want_intent = l.hasIntent;
  }
  if (l.hasSuccess !== null) {
    where.push('success = {want_success:Bool}');
    params.want_success = l.hasSuccess;
  }
  if (l.device !== null) {
    where.push('device_value = {want_device:String}');
    params.want_device = l.device;
  }
  if (l.channel !== null) {
    where.push('channel_value = {want_channel:String}');
    params.want_channel = l.channel;
  }
  if (l.personId !== null) {
    where.push('person_id = {want_person:String}');
    params.want_person = l.personId;
  }
  let paging = '';
  if (limit !== null) {
    paging = 'LIMIT {limit:UInt64} OFFSET {offset:UInt64}';
    params.limit = limit;
    params.offset = l.offset;
  } else if (l.offset > 0) {
    paging = 'LIMIT {offset:UInt64}, 18446744073709551615';
    params.offset = l.offset;
  }
  const sql = `SELECT
    session_id AS sessionId,
    person_id AS personId,
    day,
    fromUnixTimestamp64Milli(start_ms, 'UTC') AS start,
    fromUnixTimestamp64Milli(end_ms, 'UTC') AS end,
    duration_ms AS durationMs,
    event_count AS events,
    entry_event AS entryEvent,
    exit_event AS exitEvent,
    entry_page_value AS entryPage,
    exit_page_value AS exitPage,
    channel_value AS channel,
    device_value AS device,
    toBool(intent) AS intent,
    toBool(success) AS success,
    toBool(bounce) AS bounce${withTotal ? ',\n    toUInt32(count() OVER ()) AS total' : ''}
  FROM ${rows.sql}
  ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY start_ms, session_id
  ${paging}${settingsFor(target.source ?? 'timeline')}`;
  return { sql, params };
}
