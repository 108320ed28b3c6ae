/**
 * Tables of the person timeline's overrides and of the squash that retires them
 * (docs/timeline.md; the job is store/timeline-squash.ts, the reader analyses/person-timeline.ts).
 *
 * - `person_overrides`: identity links the timeline has not been rewritten for. Every row
 *   inserted into `person_aliases` lands here too (a view), with an id of its own, so a squash
 *   retires exactly the rows it read and a link arriving meanwhile stays pending.
 * - `timeline_fresh_ids`: the stored ids timeline rows were filed under since the last squash
 *   (a view on the timeline's own inserts, `squash_run = 0`: never a squash's copies). A squash
 *   rewrites a linked id's rows once, but events of that id keep arriving under the id itself
 *   (an anonymous id used again after identify); the mark sends them through the override path
 *   until the next squash moves them too.
 * - `person_timeline.squash_run`: the run that wrote a row (0: the loader/import/backfill), so an
 *   interrupted run's partial copies can be found and cleared.
 * - `timeline_squash_runs` / `timeline_squash_batch`: a run's phase and the links it works on,
 *   persisted so a run interrupted in any phase is finished the same way by the next call.
 */

import type { MigrationStatement } from './migration.js';

export const SQUASH_STATEMENTS: readonly MigrationStatement[] = [
  {
    name: 'person_overrides',
    columns: `project_id LowCardinality(String),
    distinct_id String,
    person_id String,
    updated_at DateTime64(3, 'UTC'),
    override_id UUID DEFAULT generateUUIDv4()`,
    engine: 'MergeTree',
    orderBy: '(project_id, distinct_id)',
    shardBy: 'distinct_id',
  },
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.person_overrides_mv TO {db}.person_overrides
    AS SELECT project_id, distinct_id, person_id, updated_at FROM {db}.person_aliases`,
  // Timeline rows stored so far are filed under their own ids: every existing link is pending.
  // Repeated by a rerun of this migration, which only makes the first squash read them twice.
  `INSERT INTO {db}.person_overrides (project_id, distinct_id, person_id, updated_at)
    SELECT project_id, distinct_id, person_id, updated_at FROM {db}.person_aliases`,
  `ALTER TABLE {db}.person_timeline ADD COLUMN IF NOT EXISTS squash_run UInt64 DEFAULT 0`,
  // Replacing: between squashes an active id keeps one row however many events it gets.
  {
    name: 'timeline_fresh_ids',
    columns: `project_id LowCardinality(String),
    distinct_id String,
    mark UUID DEFAULT generateUUIDv4(),
    seen_at DateTime64(6, 'UTC') DEFAULT now64(6)`,
    engine: 'ReplacingMergeTree',
    engineArgs: ['seen_at'],
    orderBy: '(project_id, distinct_id)',
    shardBy: 'distinct_id',
  },
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.timeline_fresh_ids_mv TO {db}.timeline_fresh_ids
    AS SELECT project_id, person_id AS distinct_id FROM {db}.person_timeline WHERE squash_run = 0 GROUP BY project_id, person_id`,
  {
    name: 'timeline_squash_runs',
    columns: `run UInt64,
    phase UInt8,
    at DateTime64(3, 'UTC') DEFAULT now64(3)`,
    engine: 'ReplacingMergeTree',
    engineArgs: ['phase'],
    orderBy: 'run',
  },
  // kind 1: a pending override (ref = override_id); kind 2: a fresh-id mark (ref = mark).
  // target: the id's person at the run's start, '' when the id has no link.
  {
    name: 'timeline_squash_batch',
    columns: `run UInt64,
    kind UInt8,
    project_id LowCardinality(String),
    distinct_id String,
    ref UUID,
    target String`,
    engine: 'MergeTree',
    orderBy: '(run, project_id, distinct_id)',
  },
];
