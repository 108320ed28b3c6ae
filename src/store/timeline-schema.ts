/**
 * The person timeline: every event again, sorted by (project, person, time), with narrow columns.
 *
 * Per-person analyses (funnels, sessions, ...) group a person's events together. On the
 * date-ordered `events` table that takes a hash table of every person in range (24M persons at
 * 100M events: gigabytes); here a person's events are adjacent, so with GROUP BY on a prefix of
 * the sort key and `optimize_aggregation_in_order` the engine streams persons one at a time.
 * Figures: BENCHMARKS.md, "person timeline".
 *
 * A materialized view fills it from every insert into `events` (loader, import, demo), so no
 * writer can forget it. Rows are filed under the event's own stored id (`person_hash` =
 * `distinct_hash` = cityHash64(events.person_id)); identity links that arrive later are applied
 * at query time as overrides (analyses/person-timeline.ts), as PostHog's person overrides are.
 *
 * Not partitioned: one insert is then one part, so an interrupted insert leaves all of its rows
 * or none (the loader's retry check relies on it), and no insert can reach the engine's limit of
 * partitions per insert block.
 */
import type { Store } from './store.js';
import type { MigrationProgress, MigrationStatement } from './migration.js';

/** The columns the timeline carries: everything a per-person analysis filters or breaks down by, except long texts. */
export const TIMELINE_COLUMNS = [
  'event', 'type', 'device_type', 'os', 'browser', 'channel', 'country', 'locale',
  'utm_source', 'utm_medium', 'utm_campaign', 'page_path',
] as const;

const SELECT_FROM_EVENTS = `SELECT project_id, cityHash64(person_id) AS person_hash, toUnixTimestamp64Milli(timestamp) AS t,
    ${TIMELINE_COLUMNS.join(', ')}, person_id, cityHash64(person_id) AS distinct_hash, event_id, log_position
  FROM {db}.events`;

export const TIMELINE_STATEMENTS: readonly MigrationStatement[] = [
  {
    name: 'person_timeline',
    columns: `
      project_id LowCardinality(String),
      person_hash UInt64,
      t Int64,
      event LowCardinality(String),
      type LowCardinality(String),
      device_type LowCardinality(String),
      os LowCardinality(String),
      browser LowCardinality(String),
      channel LowCardinality(String),
      country LowCardinality(String),
      locale LowCardinality(String),
      utm_source String,
      utm_medium String,
      utm_campaign String,
      page_path String,
      person_id String,
      distinct_hash UInt64 CODEC(Delta, ZSTD),
      event_id UUID,
      log_position UInt64,
      INDEX timeline_log_position log_position TYPE minmax GRANULARITY 1
    `,
    engine: 'MergeTree',
    orderBy: '(project_id, person_hash, t)',
    shardBy: 'person_id',
  },
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.person_timeline_mv TO {db}.person_timeline AS ${SELECT_FROM_EVENTS}`,
  // Months of the backfill already copied: a restart resumes after them.
  {
    name: 'timeline_backfill',
    columns: `
      month UInt32,
      phase UInt8
    `,
    engine: 'ReplacingMergeTree',
    engineArgs: ['phase'],
    orderBy: 'month',
  },
];

/** The columns SELECT_FROM_EVENTS produces, named: the table has more (the squash's `squash_run`). */
const INSERT_COLUMNS = ['project_id', 'person_hash', 't', ...TIMELINE_COLUMNS, 'person_id', 'distinct_hash', 'event_id', 'log_position'].join(', ');

/** The timeline rows of `events` rows matching `where` (SQL over bound parameters only). */
export function timelineInsertSql(database: string, where: string): string {
  return `INSERT INTO ${database}.person_timeline (${INSERT_COLUMNS}) ${SELECT_FROM_EVENTS.replaceAll('{db}', database)} WHERE ${where}`;
}

/**
 * Fresh-id marks (store/squash-schema.ts) for the `events` rows matching `where`: written next to
 * a repair's timeline rows, because the crash that lost those rows may have lost their marks too.
 * A mark too many only sends an id through the slower override path until the next squash.
 */
export function freshMarksInsertSql(database: string, where: string): string {
  return `INSERT INTO ${database}.timeline_fresh_ids (project_id, distinct_id)
    SELECT DISTINCT project_id, person_id FROM ${database}.events WHERE ${where}`;
}

/**
 * Copies the events stored before the timeline existed, a month at a time. Runs before anything
 * loads (migrations run when the store opens), so every event is either in a copied month or
 * arrived through the view. A month interrupted midway is cleared and copied again.
 */
export async function backfillTimeline(store: Store, progress: MigrationProgress): Promise<void> {
  const db = store.database;
  const months = await store.query<{ m: number; n: string }>(
    `SELECT toUInt32(toYYYYMM(timestamp)) AS m, toString(count()) AS n FROM ${db}.events GROUP BY m ORDER BY m`,
  );
  const phases = new Map(
    (await store.query<{ m: number; phase: number }>(`SELECT month AS m, max(phase) AS phase FROM ${db}.timeline_backfill GROUP BY month`)).map((r) => [r.m, r.phase]),
  );
  const total = months.reduce((s, r) => s + Number(r.n), 0);
  let done = 0;
  for (const { m, n } of months) {
    const phase = phases.get(m) ?? 0;
    if (phase < 2) {
      const from = Date.UTC(Math.floor(m / 100), (m % 100) - 1, 1);
      const to = Date.UTC(Math.floor(m / 100), m % 100, 1);
      if (phase === 1) {
        await store.exec(`DELETE FROM ${db}.person_timeline WHERE t >= {from:Int64} AND t < {to:Int64}`, { from: String(from), to: String(to) });
      }
      await store.exec(`INSERT INTO ${db}.timeline_backfill VALUES ({m:UInt32}, 1)`, { m });
      await store.exec(timelineInsertSql(db, `toYYYYMM(timestamp) = {m:UInt32}`), { m });
      await store.exec(`INSERT INTO ${db}.timeline_backfill VALUES ({m:UInt32}, 2)`, { m });
    }
    done += Number(n);
    progress('person timeline', done, total);
  }
}
