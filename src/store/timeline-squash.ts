/**
 * The squash: rewrites the person timeline's rows of linked ids under their current person and
 * retires the overrides and fresh-id marks it has handled (tables: store/squash-schema.ts; why
 * the answers stay exact meanwhile: analyses/person-timeline.ts; docs/timeline.md).
 *
 * One run takes a batch of ids with pending overrides or marks and goes through phases, each
 * recorded in `timeline_squash_runs` once done, so a run interrupted anywhere is finished by the
 * next call, never started over on top of its own half:
 *
 *   plan     the batch (ids, the override/mark rows read, each id's person now) → phase COPYING
 *   copy     clear this run's copies (a crash may have left some), insert each row of a batch id
 *            not filed under its person again, `squash_run` = run, under that person → COPIED
 *   delete   lightweight DELETE of the originals: rows of a batch id that are not this run's and
 *            whose event this run copied (never "every old row": an event of the id loaded after
 *            the copy is not copied, so it is not deleted) → DELETED
 *   retire   DELETE the override and mark rows the plan read (by their own ids: rows arriving
 *            meanwhile stay pending), drop the batch → DONE
 *
 * A crash after the copy leaves an event twice in the timeline, both rows of a still-pending id:
 * readers take such rows through the override path, which keeps one row per event.
 *
 * Runs over every project at once. One squash at a time per store (the server's timer and the
 * CLI never overlap: one process per data directory). All values travel as bound parameters.
 */
import type { Store } from './store.js';
import { TIMELINE_COLUMNS } from './timeline-schema.js';

export interface SquashOptions {
  /** Distinct ids per run (default 10,000). */
  readonly batch?: number;
  /**
   * Fresh-id marks younger than this are left for the next call (default 5,000 ms): a mark and
   * its timeline row are two parts of one insert, and the copy must see the row the mark stands for.
   */
  readonly settleMs?: number;
  /** Runs per call at most (default 100); the rest waits for the next call. */
  readonly maxRuns?: number;
}

export interface SquashReport {
  /** Runs finished by this call, an interrupted one included. */
  readonly runs: number;
  /** Distinct ids taken (linked or not). */
  readonly ids: number;
  /** Timeline rows written under their person. */
  readonly rowsRewritten: number;
  /** Whether an interrupted run was finished first. */
  readonly resumed: boolean;
}

const COPYING = 1;
const COPIED = 2;
const DELETED = 3;
const DONE = 4;

/** Runs until nothing is pending (or `maxRuns`); cheap (two counts) when nothing is. */
export async function squashOverrides(store: Store, options: SquashOptions = {}): Promise<SquashReport> {
  const batch = options.batch ?? 10_000;
  const settle = options.settleMs ?? 5_000;
  const maxRuns = options.maxRuns ?? 100;
  const sql = new SquashSql(store.database);
  let runs = 0;
  let ids = 0;
  let rowsRewritten = 0;
  let resumed = false;
  let last = await latestRun(store, sql);
  if (last !== null && last.phase < DONE) {
    rowsRewritten += await finishRun(store, sql, last.run, last.phase);
    resumed = true;
    runs++;
  }
  while (runs < maxRuns && (await pendingCount(store, sql, settle)) > 0) {
    const run = (last?.run ?? 0) + 1;
    const params = { run: String(run), batch, settle };
    // Rows of a run planned but never started (a crash before its phase row): not this run's.
    await store.exec(`DELETE FROM ${sql.db}.timeline_squash_batch WHERE run = {run:UInt64}`, params);
    await store.exec(sql.plan, params);
    const taken = await count(store, `SELECT uniqExact(project_id, distinct_id) AS n FROM ${sql.db}.timeline_squash_batch WHERE run = {run:UInt64}`, params);
    if (taken === 0) break;
    await setPhase(store, sql, run, COPYING);
    rowsRewritten += await finishRun(store, sql, run, COPYING);
    ids += taken;
    runs++;
    last = { run, phase: DONE };
    if (taken < batch) break;
  }
  return { runs, ids, rowsRewritten, resumed };
}

/** Pending override rows and fresh-id marks, all projects (what the next squash would take). */
export async function pendingOverrides(store: Store, settleMs = 0): Promise<number> {
  return pendingCount(store, new SquashSql(store.database), settleMs);
}

async function pendingCount(store: Store, sql: SquashSql, settle: number): Promise<number> {
  return count(store, `SELECT (SELECT count() FROM ${sql.db}.person_overrides) + (SELECT count() FROM ${sql.fresh}) AS n`, { settle });
}

/** Takes run `run` from `phase` (its last recorded one) to DONE; returns the rows it copied. */
async function finishRun(store: Store, sql: SquashSql, run: number, phase: number): Promise<number> {
  const params = { run: String(run) };
  const linked = await count(store, `SELECT count() AS n FROM ${sql.linked}`, params);
  let copied = 0;
  if (phase <= COPYING) {
    // Copies of an earlier attempt of this run may be partial: cleared, then made again whole.
    if (linked > 0) {
      await store.exec(sql.clearCopies, params);
      await store.exec(sql.copy, params);
    }
    await setPhase(store, sql, run, COPIED);
  }
  if (linked > 0) copied = await count(store, `SELECT count() AS n FROM ${sql.db}.person_timeline WHERE ${sql.copiesOfRun}`, params);
  if (phase <= COPIED) {
    if (copied > 0) await store.exec(sql.deleteOriginals, params);
    await setPhase(store, sql, run, DELETED);
  }
  for (const retire of sql.retire) await store.exec(retire, params);
  await store.exec(`DELETE FROM ${sql.db}.timeline_squash_batch WHERE run = {run:UInt64}`, params);
  await setPhase(store, sql, run, DONE);
  return phase <= COPYING ? copied : 0;
}

async function latestRun(store: Store, sql: SquashSql): Promise<{ run: number; phase: number } | null> {
  const rows = await store.query<{ run: string; phase: number }>(
    // Numeric order (the text of 10 sorts before 9): a run id is never used twice, since a
    // rerun's clearing step deletes every row the run's id marks.
    `SELECT toString(r) AS run, max(phase) AS phase FROM (SELECT run AS r, phase FROM ${sql.db}.timeline_squash_runs) GROUP BY r ORDER BY r DESC LIMIT 1`,
  );
  const row = rows[0];
  return row === undefined ? null : { run: Number(row.run), phase: Number(row.phase) };
}

async function setPhase(store: Store, sql: SquashSql, run: number, phase: number): Promise<void> {
  await store.exec(`INSERT INTO ${sql.db}.timeline_squash_runs (run, phase) VALUES ({run:UInt64}, {phase:UInt8})`, { run: String(run), phase });
}

async function count(store: Store, text: string, params: Record<string, string | number>): Promise<number> {
  const rows = await store.query<{ n: string | number }>(text, params);
  return Number(rows[0]?.n ?? 0);
}

/** The statements of a run; `{run:UInt64}` (and `{batch}`, `{settle}` when planning) bound. */
class SquashSql {
  readonly fresh: string;
  readonly linked: string;
  readonly copiesOfRun: string;
  readonly plan: string;
  readonly clearCopies: string;
  readonly copy: string;
  readonly deleteOriginals: string;
  readonly retire: readonly string[];

  constructor(readonly db: string) {
    this.fresh = `${db}.timeline_fresh_ids WHERE seen_at < now64(6) - toIntervalMillisecond({settle:UInt64})`;
    const pending = `(SELECT 1 AS kind, project_id, distinct_id, override_id AS ref FROM ${db}.person_overrides
        UNION ALL SELECT 2 AS kind, project_id, distinct_id, mark AS ref FROM ${this.fresh})`;
    const picked = `(SELECT project_id, distinct_id FROM ${pending} GROUP BY project_id, distinct_id
        ORDER BY project_id, distinct_id LIMIT {batch:UInt32})`;
    // The person each id has now: its latest link by updated_at, as analyses resolve it. The
    // override rows take part: one may be visible before its person_aliases row is.
    const links = `(SELECT project_id, distinct_id, argMax(person_id, updated_at) AS target FROM (
        SELECT project_id, distinct_id, person_id, updated_at FROM ${db}.person_aliases WHERE (project_id, distinct_id) IN ${picked}
        UNION ALL SELECT project_id, distinct_id, person_id, updated_at FROM ${db}.person_overrides WHERE (project_id, distinct_id) IN ${picked})
      GROUP BY project_id, distinct_id)`;
    this.plan = `INSERT INTO ${db}.timeline_squash_batch (run, kind, project_id, distinct_id, ref, target)
      SELECT {run:UInt64}, p.kind, p.project_id, p.distinct_id, p.ref, l.target
      FROM ${pending} AS p
      LEFT ANY JOIN ${links} AS l ON l.project_id = p.project_id AND l.distinct_id = p.distinct_id
      WHERE (p.project_id, p.distinct_id) IN ${picked}`;
    this.linked = `(SELECT DISTINCT project_id, distinct_id, cityHash64(distinct_id) AS dh, target, cityHash64(target) AS th
      FROM ${db}.timeline_squash_batch WHERE run = {run:UInt64} AND target != '')`;
    const linkedIds = `(SELECT project_id, distinct_id FROM ${this.linked})`;
    // Where a linked id's rows can be: under the id itself (as loaded) or under a person it was
    // linked to before (an earlier squash wrote them there; every link ever is in
    // person_alias_links). Narrowing to these persons lets the sort key skip the rest.
    const filedUnder = `(SELECT project_id, dh FROM ${this.linked}
      UNION ALL SELECT project_id, cityHash64(person_id) FROM ${db}.person_alias_links WHERE (project_id, distinct_id) IN ${linkedIds}
      UNION ALL SELECT project_id, cityHash64(person_id) FROM ${db}.person_overrides WHERE (project_id, distinct_id) IN ${linkedIds})`;
    this.copiesOfRun = `squash_run = {run:UInt64} AND (project_id, person_hash) IN (SELECT project_id, th FROM ${this.linked})`;
    this.clearCopies = `DELETE FROM ${db}.person_timeline WHERE ${this.copiesOfRun}`;
    const columns = ['project_id', 'person_hash', 't', ...TIMELINE_COLUMNS, 'person_id', 'distinct_hash', 'event_id', 'log_position', 'squash_run'];
    const values = columns.map((c) =>
      c === 'person_hash' ? 'b.th' : c === 'person_id' ? 'b.target' : c === 'squash_run' ? '{run:UInt64}' : `tl.${c}`);
    this.copy = `INSERT INTO ${db}.person_timeline (${columns.join(', ')})
      SELECT ${values.join(', ')}
      FROM ${db}.person_timeline AS tl
      INNER JOIN ${this.linked} AS b ON b.project_id = tl.project_id AND b.dh = tl.distinct_hash
      WHERE (tl.project_id, tl.person_hash) IN ${filedUnder} AND tl.person_hash != b.th AND tl.squash_run != {run:UInt64}`;
    this.deleteOriginals = `DELETE FROM ${db}.person_timeline
      WHERE (project_id, person_hash) IN ${filedUnder} AND squash_run != {run:UInt64}
        AND (project_id, distinct_hash) IN (SELECT project_id, dh FROM ${this.linked})
        AND (project_id, event_id) IN (SELECT project_id, event_id FROM ${db}.person_timeline WHERE ${this.copiesOfRun})`;
    const read = (kind: number) => `(project_id, distinct_id) IN (SELECT project_id, distinct_id FROM ${db}.timeline_squash_batch WHERE run = {run:UInt64} AND kind = ${kind})
        AND ${kind === 1 ? 'override_id' : 'mark'} IN (SELECT ref FROM ${db}.timeline_squash_batch WHERE run = {run:UInt64} AND kind = ${kind})`;
    this.retire = [
      `DELETE FROM ${db}.person_overrides WHERE ${read(1)}`,
      `DELETE FROM ${db}.timeline_fresh_ids WHERE ${read(2)}`,
    ];
  }
}
