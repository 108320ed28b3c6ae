/**
 * Schema versions, in code. Each migration runs once per database and is recorded in
 * `schema_migrations`; starting a newer build on older data applies the missing ones in order.
 * `{db}` stands for the configured database identifier (never user input). Tables are
 * described, not written out: `createTable` turns each description into the DDL of the store's
 * placement (one node or a cluster).
 */
import type { Store } from './store.js';
import { createTable, type TableSpec } from './create-table.js';
import type { Migration, MigrationProgress, MigrationStatement } from './migration.js';
import { TIMELINE_STATEMENTS, backfillTimeline } from './timeline-schema.js';
import { SQUASH_STATEMENTS } from './squash-schema.js';

export type { Migration, MigrationProgress, MigrationStatement };

const SCHEMA_MIGRATIONS: TableSpec = {
  name: 'schema_migrations',
  columns: `version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: 'ReplacingMergeTree',
  orderBy: 'version',
};

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, dedup index, projects, quarantine',
    statements: [
      // ORDER BY (project, day, event, person, time): date-range and step-name filters prune
      // granules, and per-person time order inside each day keeps funnel/session scans cheap.
      // Measured against alternatives in BENCHMARKS.md ("events table layout").
      {
        name: 'events',
        columns: `
          project_id LowCardinality(String),
          event_id UUID,
          type LowCardinality(String),
          event LowCardinality(String),
          person_id String,
          anonymous_id String,
          user_id String,
          timestamp DateTime64(3, 'UTC'),
          received_at DateTime64(3, 'UTC'),
          sent_at Nullable(DateTime64(3, 'UTC')),
          timestamp_clamped Bool DEFAULT false,
          page_url String DEFAULT '',
          page_path String DEFAULT '',
          page_referrer String DEFAULT '',
          page_title String DEFAULT '',
          device_type LowCardinality(String) DEFAULT '',
          os LowCardinality(String) DEFAULT '',
          browser LowCardinality(String) DEFAULT '',
          channel LowCardinality(String) DEFAULT '',
          utm_source String DEFAULT '',
          utm_medium String DEFAULT '',
          utm_campaign String DEFAULT '',
          country LowCardinality(String) DEFAULT '',
          locale LowCardinality(String) DEFAULT '',
          properties Map(String, String),
          traits Map(String, String),
          context String DEFAULT '',
          log_position UInt64 DEFAULT 0,
          loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
        `,
        engine: 'MergeTree',
        partitionBy: 'toYYYYMM(timestamp)',
        orderBy: '(project_id, toDate(timestamp), event, person_id, timestamp)',
        settings: { non_replicated_deduplication_window: 10000 },
        shardBy: 'person_id',
      },
      // A message id is stored once whenever it is retried: the loader looks ids up here
      // (primary-key lookups) before inserting.
      {
        name: 'event_ids',
        columns: `
          project_id LowCardinality(String),
          event_id UUID,
          log_position UInt64
        `,
        engine: 'ReplacingMergeTree',
        orderBy: '(project_id, event_id)',
        settings: { non_replicated_deduplication_window: 10000 },
      },
      {
        name: 'projects',
        columns: `
          project_id String,
          name String,
          write_key String,
          secret_key_hash String,
          live_key String DEFAULT '',
          timezone String DEFAULT 'UTC',
          created_at DateTime64(3, 'UTC'),
          updated_at DateTime64(3, 'UTC')
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['updated_at'],
        orderBy: 'project_id',
      },
      {
        name: 'rejected_events',
        columns: `
          project_id String,
          received_at DateTime64(3, 'UTC'),
          source LowCardinality(String),
          reason String,
          errors Array(String),
          payload String,
          payload_truncated Bool,
          file String DEFAULT '',
          line UInt64 DEFAULT 0,
          log_position UInt64 DEFAULT 0
        `,
        engine: 'MergeTree',
        partitionBy: 'toYYYYMM(received_at)',
        orderBy: '(project_id, received_at)',
        settings: { non_replicated_deduplication_window: 10000 },
      },
    ],
  },
  {
    version: 2,
    name: 'identity: aliases and person properties',
    statements: [
      // identify/alias link a distinct id (usually an anonymous id) to a person; analyses
      // resolve events.person_id through this table at query time, so a merge applies to
      // past events without rewriting them.
      {
        name: 'person_aliases',
        columns: `
          project_id LowCardinality(String),
          distinct_id String,
          person_id String,
          updated_at DateTime64(3, 'UTC')
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['updated_at'],
        orderBy: '(project_id, distinct_id)',
        shardBy: 'distinct_id',
      },
      // One row per (person, key): the latest value of each property wins on its own.
      {
        name: 'person_properties',
        columns: `
          project_id LowCardinality(String),
          person_id String,
          key String,
          value String,
          updated_at DateTime64(3, 'UTC')
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['updated_at'],
        orderBy: '(project_id, person_id, key)',
        shardBy: 'person_id',
      },
    ],
  },
  {
    version: 3,
    name: 'live: per-event points, minute and hour buckets, top-list history and schedules',
    statements: [
      // Live counters read pre-aggregated rows fed by materialized views as the loader inserts
      // events. Every target keeps a deduplication window (a replay of a loader range inserts only
      // rows the events table lacks, see loader/range-stored.ts), and a TTL of 8 days (windows reach back at most 7). max_position is
      // the largest log position aggregated into a row: it tells the live reader whether a load
      // it has not been told about yet is already visible (see docs/live.md).
      //
      // live_points: per event one row for the event itself (prop = false, key and value '') and
      // one per property (prop = true), ordered for one item's lookups (counter edges, persons);
      // the by_time projection orders the same rows by time within a property (top-list edges).
      // The view only takes events of the last 8 days (live windows are at most 7): an import of
      // years of history must neither copy it here nor touch hundreds of daily partitions in
      // one insert.
      {
        name: 'live_points',
        columns: `
          project_id LowCardinality(String),
          event LowCardinality(String),
          prop Bool,
          key LowCardinality(String),
          value String,
          timestamp DateTime64(3, 'UTC'),
          person_id String,
          log_position UInt64,
          PROJECTION by_time (SELECT * ORDER BY project_id, event, prop, key, timestamp)
        `,
        engine: 'MergeTree',
        partitionBy: 'toDate(timestamp)',
        orderBy: '(project_id, event, prop, key, value, timestamp)',
        ttl: 'toDateTime(timestamp) + INTERVAL 8 DAY',
        settings: { non_replicated_deduplication_window: 10000 },
        shardBy: 'person_id',
      },
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.live_points_mv TO {db}.live_points AS
      SELECT project_id, event, row.1 AS prop, row.2 AS key, row.3 AS value, timestamp, person_id, log_position
      FROM {db}.events
      ARRAY JOIN arrayConcat([(false, '', '')], arrayMap((k, v) -> (true, k, v), mapKeys(properties), mapValues(properties))) AS row
      WHERE timestamp >= now() - INTERVAL 8 DAY`,
      // Minute buckets per item (one counter over a long window reads one row per minute)...
      {
        name: 'live_minutes',
        columns: `
          project_id LowCardinality(String),
          event LowCardinality(String),
          prop Bool,
          key LowCardinality(String),
          value String,
          minute DateTime('UTC'),
          n SimpleAggregateFunction(sum, UInt64),
          max_position SimpleAggregateFunction(max, UInt64)
        `,
        engine: 'AggregatingMergeTree',
        partitionBy: 'toDate(minute)',
        orderBy: '(project_id, event, prop, key, value, minute)',
        ttl: 'minute + INTERVAL 8 DAY',
        settings: { non_replicated_deduplication_window: 10000 },
      },
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.live_minutes_mv TO {db}.live_minutes AS
      SELECT project_id, event, prop, key, value, toStartOfMinute(timestamp) AS minute,
             count() AS n, max(log_position) AS max_position
      FROM {db}.live_points GROUP BY project_id, event, prop, key, value, minute`,
      // ...and per minute and hour across items (a top list reads every item of its buckets).
      {
        name: 'live_minutes_by_time',
        columns: `
          project_id LowCardinality(String),
          event LowCardinality(String),
          prop Bool,
          key LowCardinality(String),
          minute DateTime('UTC'),
          value String,
          n SimpleAggregateFunction(sum, UInt64),
          max_position SimpleAggregateFunction(max, UInt64)
        `,
        engine: 'AggregatingMergeTree',
        partitionBy: 'toDate(minute)',
        orderBy: '(project_id, event, prop, key, minute, value)',
        ttl: 'minute + INTERVAL 8 DAY',
        settings: { non_replicated_deduplication_window: 10000 },
      },
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.live_minutes_by_time_mv TO {db}.live_minutes_by_time AS
      SELECT project_id, event, prop, key, toStartOfMinute(timestamp) AS minute, value,
             count() AS n, max(log_position) AS max_position
      FROM {db}.live_points GROUP BY project_id, event, prop, key, minute, value`,
      {
        name: 'live_hours_by_time',
        columns: `
          project_id LowCardinality(String),
          event LowCardinality(String),
          prop Bool,
          key LowCardinality(String),
          hour DateTime('UTC'),
          value String,
          n SimpleAggregateFunction(sum, UInt64),
          max_position SimpleAggregateFunction(max, UInt64)
        `,
        engine: 'AggregatingMergeTree',
        partitionBy: 'toDate(hour)',
        orderBy: '(project_id, event, prop, key, hour, value)',
        ttl: 'hour + INTERVAL 8 DAY',
        settings: { non_replicated_deduplication_window: 10000 },
      },
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.live_hours_by_time_mv TO {db}.live_hours_by_time AS
      SELECT project_id, event, prop, key, toStartOfHour(timestamp) AS hour, value,
             count() AS n, max(log_position) AS max_position
      FROM {db}.live_points GROUP BY project_id, event, prop, key, hour, value`,
      // Top lists saved on a schedule: "which items were highlighted when".
      {
        name: 'live_top_history',
        columns: `
          project_id LowCardinality(String),
          event String,
          key String,
          taken_at DateTime64(3, 'UTC'),
          window_ms UInt64,
          rank UInt32,
          value String,
          count UInt64,
          second_event String DEFAULT '',
          second_count UInt64 DEFAULT 0
        `,
        engine: 'MergeTree',
        partitionBy: 'toYYYYMM(taken_at)',
        orderBy: '(project_id, event, key, taken_at, rank)',
        settings: { non_replicated_deduplication_window: 1000 },
      },
      {
        name: 'live_top_schedules',
        columns: `
          project_id String,
          event String,
          key String,
          window_ms UInt64,
          top_limit UInt32,
          every_ms UInt64,
          second_event String,
          active Bool,
          updated_at DateTime64(3, 'UTC')
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['updated_at'],
        orderBy: '(project_id, event, key)',
      },
    ],
  },
  {
    version: 4,
    name: 'saved reports: definitions, runs, materialized buckets and rows',
    statements: [
      // Incremental runs look for rows loaded after a watermark; a minmax index lets recently
      // inserted parts be found without reading loaded_at of the whole history.
      `ALTER TABLE {db}.events ADD INDEX IF NOT EXISTS events_loaded_at loaded_at TYPE minmax GRANULARITY 1`,
      {
        name: 'reports',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          name String,
          analysis LowCardinality(String),
          definition String,
          schedule Nullable(String),
          settings String,
          revision UInt32,
          deleted Bool DEFAULT false,
          created_at DateTime64(3, 'UTC'),
          updated_at DateTime64(3, 'UTC'),
          change UInt64
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['change'],
        orderBy: '(project_id, report_id)',
      },
      // A run writes a 'started' row (phase 0) and then its final row (phase 1) with the same key.
      {
        name: 'report_runs',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          run_id String,
          revision UInt32,
          trigger LowCardinality(String),
          status LowCardinality(String),
          phase UInt8,
          attempt UInt32,
          started_at DateTime64(3, 'UTC'),
          finished_at Nullable(DateTime64(3, 'UTC')),
          duration_ms Nullable(UInt64),
          buckets UInt32,
          rows UInt64,
          watermark Nullable(DateTime64(3, 'UTC')),
          error String
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['phase'],
        orderBy: '(project_id, report_id, run_id)',
      },
      // The current version of each materialized bucket; its rows are in report_results.
      {
        name: 'report_buckets',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          revision UInt32,
          bucket Int64,
          label String,
          version UInt64,
          rows UInt32,
          columns String,
          run_id String,
          computed_at DateTime64(3, 'UTC')
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['version'],
        orderBy: '(project_id, report_id, revision, bucket)',
      },
      {
        name: 'report_results',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          bucket Int64,
          version UInt64,
          row_no UInt32,
          row_json String
        `,
        engine: 'MergeTree',
        orderBy: '(project_id, report_id, bucket, version, row_no)',
      },
    ],
  },
  {
    version: 5,
    name: 'saved reports: sessions per day kept per person',
    statements: [
      // One row per (day, person) of a sessions-per-day report: that person's sessions starting
      // that day. A run rewrites only the persons new data touched; the newest version of a row
      // wins, and sessions = 0 says the person no longer has any that day.
      {
        name: 'report_session_days',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          revision UInt32,
          day Date,
          person_id String,
          version UInt64,
          sessions UInt32,
          durations Array(Int64),
          bounces UInt32,
          intents UInt32,
          successes UInt32,
          intent_successes UInt32
        `,
        engine: 'ReplacingMergeTree',
        engineArgs: ['version'],
        orderBy: '(project_id, report_id, revision, day, person_id)',
        shardBy: 'person_id',
      },
      // The persons one run of such a report recomputes, written once and read by every
      // statement of the run: \`resolved\` rows are the persons, with the local day of a new row
      // (1970-01-01: every day); the others are ids that may resolve to them. A partition per
      // run, dropped when the run ends.
      {
        name: 'report_scope',
        columns: `
          project_id LowCardinality(String),
          report_id String,
          run_id String,
          resolved Bool,
          id String,
          day Date
        `,
        engine: 'MergeTree',
        partitionBy: 'run_id',
        orderBy: '(project_id, report_id, resolved, day, id)',
      },
      // Sessions reports materialized before this table existed have no state: they start over.
      `DELETE FROM {db}.report_buckets WHERE (project_id, report_id) IN (
        SELECT project_id, report_id FROM {db}.reports WHERE analysis = 'sessions')`,
    ],
  },
  {
    version: 6,
    name: 'identity: every link a distinct id ever had',
    statements: [
      // person_aliases keeps only a distinct id's latest link once its parts merge, but a run of
      // a per-person report must also recompute the persons an id was linked to before (their
      // sessions leave with the id). This table keeps every (id, person) pair ever linked.
      {
        name: 'person_alias_links',
        columns: `
          project_id LowCardinality(String),
          distinct_id String,
          person_id String
        `,
        engine: 'ReplacingMergeTree',
        orderBy: '(project_id, distinct_id, person_id)',
        shardBy: 'distinct_id',
      },
      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.person_alias_links_mv TO {db}.person_alias_links
        AS SELECT project_id, distinct_id, person_id FROM {db}.person_aliases`,
      `INSERT INTO {db}.person_alias_links SELECT project_id, distinct_id, person_id FROM {db}.person_aliases`,
      // Links merged away before this table existed are unknown, so per-person state built on
      // them cannot be trusted to be complete: sessions reports start over.
      `TRUNCATE TABLE IF EXISTS {db}.report_session_days`,
      `DELETE FROM {db}.report_buckets WHERE (project_id, report_id) IN (
        SELECT project_id, report_id FROM {db}.reports WHERE analysis = 'sessions')`,
    ],
  },
  {
    version: 7,
    name: 'saved reports: counts kept per bucket, added to by new rows',
    statements: [
      // A count report adds the rows loaded since a bucket was written to its count instead of
      // counting the bucket again: \`settled\` is the count of the bucket's rows loaded up to
      // \`settled_to\`; rows loaded later are counted on each run until they settle.
      `ALTER TABLE {db}.report_buckets
        ADD COLUMN IF NOT EXISTS settled UInt64 DEFAULT 0,
        ADD COLUMN IF NOT EXISTS settled_to DateTime64(3, 'UTC') DEFAULT 0`,
      // Trends buckets written before have no settled count: those reports start over.
      `DELETE FROM {db}.report_buckets WHERE (project_id, report_id) IN (
        SELECT project_id, report_id FROM {db}.reports WHERE analysis = 'trends')`,
    ],
  },
  {
    version: 8,
    name: 'person timeline: events in person order, narrow columns',
    statements: TIMELINE_STATEMENTS,
    run: backfillTimeline,
  },
  {
    version: 9,
    name: 'person timeline: pending identity overrides and their squash',
    statements: SQUASH_STATEMENTS,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Applies every migration newer than the database's recorded version. Returns the versions applied. */
export async function migrate(store: Store, migrations: readonly Migration[] = MIGRATIONS, progress: MigrationProgress = () => {}): Promise<number[]> {
  const db = store.database;
  for (const sql of statementsOf(store, SCHEMA_MIGRATIONS)) await store.exec(sql);
  const rows = await store.query<{ v: number | string }>(`SELECT max(version) AS v FROM ${db}.schema_migrations`);
  const current = Number(rows[0]?.v ?? 0);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    for (const statement of m.statements) {
      for (const sql of statementsOf(store, statement)) await store.exec(sql);
    }
    // Recorded only once the run has finished: a crash in it runs the migration again, so both
    // its statements and its run are written to be repeated.
    await m.run?.(store, progress);
    await store.exec(`INSERT INTO ${db}.schema_migrations (version, name) VALUES ({v:UInt32}, {n:String})`, {
      v: m.version,
      n: m.name,
    });
    applied.push(m.version);
  }
  return applied;
}

/** The SQL one migration statement runs as on `store`. */
export function statementsOf(store: Pick<Store, 'database' | 'capabilities'>, statement: MigrationStatement): string[] {
  if (typeof statement === 'string') return [statement.replaceAll('{db}', store.database)];
  return createTable(statement, { database: store.database, cluster: store.capabilities.cluster });
}

/** The version recorded in the database, 0 for a fresh one. */
export async function schemaVersion(store: Store): Promise<number> {
  const rows = await store.query<{ v: number | string }>(
    `SELECT max(version) AS v FROM ${store.database}.schema_migrations`,
  );
  return Number(rows[0]?.v ?? 0);
}
