/**
 * The sessionizer both the sessions and engagement analyses build on: one row per person with
 * that person's events as parallel arrays in session order, and per-event flags marking where a
 * session starts (`b_sess`) and ends (`is_end`).
 *
 * Everything is linear array work on each person's events (arrayDifference, arrayFill,
 * arrayCumSum). Lambdas only read their own arguments: a lambda that captures an outer array
 * makes the engine copy that array once per element, which is quadratic for heavy persons.
 */
import type { QueryParams } from '../../store/store.js';
import { resolvedEvents } from '../event-source.js';
import { groupedByPerson, timelineSources } from '../person-timeline.js';
import type { SessionRules } from './session-rules.js';
import { eventDays } from './session-rules.js';

/** Event types that are user activity; identify/alias/group calls are not. */
export const ACTIVITY_TYPES = ['track', 'page', 'screen'] as const;

/** One extra per-event value carried through sessionization, as `<name>` in the output arrays. */
export interface EventColumn {
  /** Output array name, from the caller's fixed vocabulary. */
  readonly name: string;
  /** Row-level SQL over the event columns, bound placeholders only. */
  readonly expr: string;
}

export interface SessionizeInput {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  /** false when the project has no alias link (see ResolveOptions): the resolution join is skipped. */
  readonly aliases?: boolean;
  readonly rules: SessionRules;
  readonly columns: readonly EventColumn[];
  /** Only these persons' sessions (see PersonScope); null or absent = everyone. */
  readonly scope?: PersonScope | null;
  /**
   * Where events come from: `events` (grouped by hashing every person) or the person timeline
   * (persons streamed in key order). The timeline serves only `columns` over what it carries
   * (TIMELINE_COLUMNS); the caller decides. Default `events`.
   */
  readonly source?: 'timeline' | 'events';
}

/**
 * A set of persons, as SQL subqueries over bound placeholders only: `raw`, the stored person ids
 * whose events may resolve to one of them (read before identity resolution, so the primary key
 * and a set lookup drop everyone else early), and `resolved`, the persons themselves (the exact
 * test, after resolution).
 */
export interface PersonScope {
  readonly raw: string;
  readonly resolved: string;
}

/**
 * A subquery with columns: person_id; arrays ts (epoch ms), id_keys (event ids as UInt128, see
 * `eventIdText`), one array per extra column, ix (1-based positions), b_sess and is_end (UInt8
 * flags). Bound parameters:
 * project, tz, timeout_ms, max_length_ms, activity_types and, with a range, ev_from/ev_to.
 */
export function sessionizeSql(input: SessionizeInput): { sql: string; params: QueryParams } {
  const { rules } = input;
  const params: Record<string, string | number | readonly string[]> = {
    tz: input.timezone,
    timeout_ms: rules.timeoutMs,
    max_length_ms: rules.maxLengthMs,
    activity_types: [...ACTIVITY_TYPES],
  };
  const onTimeline = input.source === 'timeline';
  const e = onTimeline ? 'tl' : 'e';
  const time = onTimeline ? 't' : 'toUnixTimestamp64Milli(timestamp)';
  const localDate = (alias: string) => (onTimeline ? `toDate(fromUnixTimestamp64Milli(${alias}t, 'UTC'), {tz:String})` : `toDate(${alias}timestamp, {tz:String})`);
  const where: string[] = [];
  const days = eventDays(rules, input.timezone);
  // The UTC date is within one day of the local date; that redundant bound lets the primary key
  // (which starts with the UTC date) prune, and on the timeline skips the local-date work.
  if (days.from !== null) {
    where.push(`${localDate(`${e}.`)} >= {ev_from:Date}`, onTimeline ? `tl.t >= toInt64(toUnixTimestamp(toDateTime({ev_from:Date} - 1, 'UTC'))) * 1000` : 'toDate(e.timestamp) >= {ev_from:Date} - 1');
    params.ev_from = days.from;
  }
  if (days.to !== null) {
    where.push(`${localDate(`${e}.`)} <= {ev_to:Date}`, onTimeline ? `tl.t < toInt64(toUnixTimestamp(toDateTime({ev_to:Date} + 2, 'UTC'))) * 1000` : 'toDate(e.timestamp) <= {ev_to:Date} + 1');
    params.ev_to = days.to;
  }
  where.push(`${e}.type IN {activity_types:Array(String)}`);
  // By hash: probing a set of 64-bit numbers is much cheaper than probing one of strings
  // (measured on 10M events: reading a report run's days for its 41k persons took 21 ms instead
  // of 60, and the whole per-person state query 18% less). An id whose hash collides with a
  // scope id's only gets its events read; the exact test on the resolved person below decides.
  // The timeline files rows under their stored id, so its person_hash is that id's hash.
  if (input.scope) where.push(`${onTimeline ? 'tl.person_hash' : 'cityHash64(e.person_id)'} IN (SELECT cityHash64(id) FROM (${input.scope.raw}))`);
  params.project = input.projectId;

  // Ties are broken by the event id's text. The engine's own UUID order is not text order, and
  // sorting 36-byte strings is slow; the id's bytes read big-endian as a UInt128 order like the text.
  const tupleParts = [time, 'reinterpretAsUInt128(reverse(UUIDToNum(event_id)))'];
  const unpack = ['ev.1 AS ts', 'ev.2 AS id_keys'];
  const add = (expr: string, name: string): void => {
    tupleParts.push(expr);
    unpack.push(`ev.${tupleParts.length} AS ${name}`);
  };
  if (rules.splitAtMidnight) add(`toUInt32(${localDate('')})`, 'day_num');
  if (rules.splitOnChannelChange) add('tuple(toString(channel), utm_campaign)', 'source');
  for (const c of input.columns) add(c.expr, c.name);

  const events = tupleParts.join(', ');
  const inScope = input.scope ? `\n      WHERE person_id IN (${input.scope.resolved})` : '';
  let grouped: string;
  if (onTimeline) {
    const sources = timelineSources(input.database, where.join(' AND '), input.aliases !== false);
    grouped = groupedByPerson(sources, (part) => `SELECT * FROM ${part}${inScope}`, `person, any(person_id) AS person_id, arraySort(groupArray(tuple(${events}))) AS ev`);
  } else {
    const src = resolvedEvents(input.database, input.projectId, where.join(' AND '), input.aliases === false ? { aliases: false } : {});
    grouped = `SELECT person_id, arraySort(groupArray(tuple(${events}))) AS ev
      FROM ${src.sql}${inScope}
      GROUP BY person_id`;
  }

  const runBreak = runStartsSql('{timeout_ms:Int64}', rules.splitAtMidnight);
  // Source in effect at each event: the last non-empty (channel, campaign) seen so far in the
  // run, ('', '') before the first one. A different non-empty source starts a new session.
  const pieceBreak = rules.splitOnChannelChange
    ? `arrayMap((s, h, b, p) -> b OR (h AND p != ('', '') AND p != s), source, has_source, b_run,
        arrayPushFront(arrayPopBack(arrayFill((v, k) -> k,
          arrayMap((s, h) -> if(h, s, ('', '')), source, has_source),
          arrayMap((h, b) -> h OR b, has_source, b_run))), ('', '')))`
    : 'b_run';
  const channelCols = rules.splitOnChannelChange ? `arrayMap(s -> s != ('', ''), source) AS has_source,` : '';

  const sql = `(
    SELECT
      person_id,
      ${unpack.join(',\n      ')},
      arrayEnumerate(ts) AS ix,
      ${runBreak} AS b_run,
      ${channelCols}
      ${pieceBreak} AS b_piece,
      ${sessionStartsSql('b_piece', '{max_length_ms:Int64}')} AS b_sess,
      arrayPushBack(arrayPopFront(b_sess), 1) AS is_end
    FROM (
      ${grouped}
    )
  )`;
  return { sql, params };
}

/**
 * Where runs start, over arrays `ts` (epoch ms, sorted), `ix` (1-based positions) and, with
 * midnight splits, `day_num` (local day of each event): the first event, a gap longer than the
 * timeout, a new local date.
 */
export function runStartsSql(timeout: string, splitAtMidnight: boolean): string {
  return splitAtMidnight
    ? `arrayMap((g, i, dd) -> i = 1 OR g > ${timeout} OR dd != 0, arrayDifference(ts), ix, arrayDifference(day_num))`
    : `arrayMap((g, i) -> i = 1 OR g > ${timeout}, arrayDifference(ts), ix)`;
}

/**
 * Where sessions start: every piece start (array `pieces`), and every maximum-length window
 * counted from the piece's first event.
 */
export function sessionStartsSql(pieces: string, maxLength: string): string {
  return `arrayMap((b, w) -> b OR w != 0, ${pieces},
        arrayDifference(arrayMap((t, p) -> intDiv(t - p, ${maxLength}), ts,
          arrayFill((t, b) -> b, ts, ${pieces}))))`;
}

/** SQL turning an `id_keys` element back into the event id's text. */
export function eventIdText(key: string): string {
  return `lower(UUIDNumToString(reverse(reinterpretAsFixedString(${key}))))`;
}
