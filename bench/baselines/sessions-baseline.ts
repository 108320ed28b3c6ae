/**
 * The queries a data team would write by hand for the sessions and engagement reports, with
 * window functions over the raw events table. They are the yardstick in the sessions benchmark,
 * so they are kept as close to the analyses' documented semantics as the data allows:
 *  - same events (types track/page/screen), same timeout rule (a gap longer than the timeout
 *    starts a session; equal timestamps never split), same columns and aggregate expressions;
 *  - ties ordered by (timestamp, event_id) in every window pass, so the passes agree with each
 *    other (two independently sorted passes could otherwise put tied rows in different orders and
 *    give an event the previous session's number);
 *  - what they lack: identity aliases (the demo data has none), the maximum session length,
 *    midnight and channel splits (off or never triggered in the benchmark data).
 */
import type { QueryParams } from '../../src/store/store.js';

export interface BaselineQuery {
  readonly sql: string;
  readonly params: QueryParams;
}

const ACTIVITY_TYPES = ['track', 'page', 'screen'];

export interface SessionsBaselineInput {
  readonly database: string;
  readonly projectId: string;
  readonly timeoutMs: number;
  readonly intentEvents: readonly string[];
  readonly successEvents: readonly string[];
}

/**
 * Daily sessions report, UTC days: `lagInFrame` flags an event that follows a gap longer than
 * the timeout, a running `sum() OVER` numbers the sessions, GROUP BY (person, session) gives each
 * session's start, duration and goal flags, GROUP BY day rolls them up.
 */
export function sessionsBaselineSql(input: SessionsBaselineInput): BaselineQuery {
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
  FROM (
    SELECT
      person_id,
      session_no,
      toDate(fromUnixTimestamp64Milli(min(ts), 'UTC')) AS day,
      max(ts) - min(ts) AS duration_ms,
      count() = 1 AS bounce,
      max(event IN {intent_events:Array(String)}) AS intent,
      max(event IN {success_events:Array(String)}) AS success
    FROM (
      SELECT person_id, ts, event,
        sum(is_new) OVER (PARTITION BY person_id ORDER BY ts, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no
      FROM (
        SELECT person_id, event_id, toUnixTimestamp64Milli(timestamp) AS ts, event,
          toUInt32(ts - lagInFrame(ts, 1, toInt64(0)) OVER (PARTITION BY person_id ORDER BY ts, event_id
            ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) > {timeout_ms:Int64}) AS is_new
        FROM ${input.database}.events
        WHERE project_id = {project:String} AND type IN {activity_types:Array(String)}
      )
    )
    GROUP BY person_id, session_no
  )
  GROUP BY day
  ORDER BY day`;
  return {
    sql,
    params: {
      project: input.projectId,
      activity_types: ACTIVITY_TYPES,
      timeout_ms: input.timeoutMs,
      intent_events: [...input.intentEvents],
      success_events: [...input.successEvents],
    },
  };
}

export interface EngagementBaselineInput {
  readonly database: string;
  readonly projectId: string;
  readonly timeoutMs: number;
  readonly contentEvents: readonly string[];
  /** Exactly two property names, e.g. merchant_id and flyer_id. */
  readonly keys: readonly [string, string];
}

/**
 * Time on content per UTC day and (key 1, key 2): `leadInFrame` gives each event the time of the
 * person's next event; the view's dwell is the gap to it unless that gap is longer than the
 * timeout (the next event then starts a new session, so the view ended its session and is
 * unmeasured). Then GROUP BY day and the two keys.
 */
export function engagementBaselineSql(input: EngagementBaselineInput): BaselineQuery {
  const sql = `SELECT
    day,
    k1,
    k2,
    toUInt32(count()) AS views,
    toUInt32(uniqExact(person_id)) AS uniquePersons,
    toUInt32(uniqExactIf(person_id, dwell_ms >= 0)) AS measuredPersons,
    toUInt32(countIf(dwell_ms >= 0)) AS measuredViews,
    toUInt32(countIf(dwell_ms < 0)) AS unmeasuredViews,
    sumIf(dwell_ms, dwell_ms >= 0) AS totalTimeMs,
    if(measuredViews = 0, NULL, totalTimeMs / measuredViews) AS avgTimePerViewMs,
    if(measuredPersons = 0, NULL, totalTimeMs / measuredPersons) AS avgTimePerPersonMs
  FROM (
    SELECT person_id, k1, k2,
      toDate(fromUnixTimestamp64Milli(ts, 'UTC')) AS day,
      if(next_ts >= 0 AND next_ts - ts <= {timeout_ms:Int64}, next_ts - ts, toInt64(-1)) AS dwell_ms
    FROM (
      SELECT person_id, event, toUnixTimestamp64Milli(timestamp) AS ts,
        properties[{key_1:String}] AS k1,
        properties[{key_2:String}] AS k2,
        leadInFrame(ts, 1, toInt64(-1)) OVER (PARTITION BY person_id ORDER BY ts, event_id
          ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_ts
      FROM ${input.database}.events
      WHERE project_id = {project:String} AND type IN {activity_types:Array(String)}
    )
    WHERE event IN {content_events:Array(String)}
  )
  GROUP BY day, k1, k2
  ORDER BY day, k1, k2`;
  return {
    sql,
    params: {
      project: input.projectId,
      activity_types: ACTIVITY_TYPES,
      timeout_ms: input.timeoutMs,
      content_events: [...input.contentEvents],
      key_1: input.keys[0],
      key_2: input.keys[1],
    },
  };
}
