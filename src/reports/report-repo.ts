/**
 * Where reports, their runs and their materialized results live (tables of migration 4):
 *  - reports:        one row per change of a report (ReplacingMergeTree on `change`);
 *  - report_runs:    a `started` row, then the final row of the same run (replacing on `phase`);
 *  - report_buckets: per bucket, the version of its current rows (replacing on `version`);
 *  - report_results: the rows of every bucket version, as JSON arrays.
 * One results table for all reports rather than a table per report: no DDL at run time, no
 * identifiers derived from user input, and a report's rows are one primary-key range anyway.
 */
import { randomBytes } from 'node:crypto';
import type { QueryParams, Store } from '../store/store.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { and, compile, sql, str, TRUE, uint32, type Fragment } from '../analyses/kernel/sql.js';
import { execute, queryRows } from '../analyses/kernel/run.js';
import { toSqlTime } from '../events/event-row.js';
import type { Report, ReportOutput, ReportRun, RunStatus, RunTrigger } from './report-definition.js';

interface ReportRow {
  project_id: string;
  report_id: string;
  name: string;
  analysis: string;
  definition: string;
  schedule: string | null;
  settings: string;
  revision: number;
  created_at: string;
  updated_at: string;
  change: string;
}

interface Settings {
  output: ReportOutput | null;
  rollingDays: number | null;
  maxAttempts: number;
}

const REPORT_COLUMNS = sql`project_id, report_id, name, analysis, definition, schedule, settings, revision,
  toString(created_at) AS created_at, toString(updated_at) AS updated_at, toString(change) AS change`;

/** The scope's guard and `report_id` (and `revision`), for the tables keyed by report. */
function ofReport(scope: ProjectScope, reportId: string, revision?: number, alias?: 'r'): Fragment {
  const column = alias === undefined ? sql`report_id` : sql`r.report_id`;
  return and([
    scope.guard(alias),
    sql`${column} = ${str(reportId)}`,
    revision === undefined ? TRUE : sql`revision = ${uint32(revision)}`,
  ]);
}

/** Engine time text (`2024-03-10 14:00:00.000`, UTC) → ISO. */
export function isoOf(engineTime: string): string {
  return engineTime.replace(' ', 'T') + (engineTime.includes('.') ? 'Z' : '.000Z');
}

function toReport(r: ReportRow): Report & { change: number } {
  const settings = JSON.parse(r.settings) as Settings;
  return {
    projectId: r.project_id,
    reportId: r.report_id,
    name: r.name,
    analysis: r.analysis,
    definition: JSON.parse(r.definition) as Record<string, unknown>,
    schedule: r.schedule,
    output: settings.output,
    rollingDays: settings.rollingDays,
    maxAttempts: settings.maxAttempts,
    revision: Number(r.revision),
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
    change: Number(r.change),
  };
}

export function newReportId(): string {
  return `rep_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

let runCounter = 0;

/**
 * Run ids sort by start time: 12 hex digits of the start (ms), a counter for runs started in the
 * same millisecond by this process, then randomness.
 */
export function newRunId(startedMs: number): string {
  runCounter = (runCounter + 1) % 0x1000000;
  return `${Math.max(0, Math.floor(startedMs)).toString(16).padStart(12, '0')}-${runCounter.toString(16).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
}

export interface BucketRows {
  readonly bucket: number;
  readonly label: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | null>>;
  /** Count reports: the bucket's rows loaded up to `to` (engine time text) number `count`. */
  readonly settled?: { readonly count: number; readonly to: string };
}

export interface MaterializedState {
  /** Next version to write (larger than every version written so far, committed or not). */
  readonly nextVersion: number;
  /** Smallest and largest committed bucket of the current revision; null when none. */
  readonly extent: { readonly lo: number; readonly hi: number } | null;
  /** Watermark of the latest finished run of the revision (engine time text); null when none. */
  readonly watermark: string | null;
  /** Stored result rows no current bucket points at, and rows current buckets hold. */
  readonly staleRows: number;
  readonly currentRows: number;
}

export class ReportRepo {
  constructor(private readonly store: Store) {}

  private scope(projectId: string): ProjectScope {
    return new ProjectScope(this.store.database, projectId);
  }

  // ---- reports ----

  /** Every live report, all projects (the scheduler's view) or one. */
  async list(projectId?: string): Promise<Array<Report & { change: number }>> {
    // Without a project this is the scheduler's read of every project: the one unguarded read.
    const scope = this.scope(projectId ?? '');
    const rows = await queryRows<ReportRow & { deleted: boolean | number }>(this.store, sql`SELECT ${REPORT_COLUMNS}, deleted FROM ${scope.table('reports')} FINAL
       WHERE ${and([projectId === undefined ? TRUE : scope.guard(), sql`NOT deleted`])}
       ORDER BY project_id, name`);
    return rows.map(toReport);
  }

  /** By id or by name within a project. */
  async find(projectId: string, idOrName: string): Promise<(Report & { change: number }) | undefined> {
    const scope = this.scope(projectId);
    const key = str(idOrName);
    const rows = await queryRows<ReportRow>(this.store, sql`SELECT ${REPORT_COLUMNS} FROM ${scope.table('reports')} FINAL
       WHERE ${scope.guard()} AND NOT deleted AND (report_id = ${key} OR name = ${key})
       ORDER BY report_id = ${key} DESC LIMIT 1`);
    return rows[0] ? toReport(rows[0]) : undefined;
  }

  /** Writes a new state of a report; `change` must grow with every write of the same report. */
  async save(report: Report, change: number, deleted = false): Promise<void> {
    const settings: Settings = { output: report.output, rollingDays: report.rollingDays, maxAttempts: report.maxAttempts };
    await this.store.insertJsonRows('reports', JSON.stringify({
      project_id: report.projectId,
      report_id: report.reportId,
      name: report.name,
      analysis: report.analysis,
      definition: JSON.stringify(report.definition),
      schedule: report.schedule,
      settings: JSON.stringify(settings),
      revision: report.revision,
      deleted,
      created_at: toSqlTime(Date.parse(report.createdAt)),
      updated_at: toSqlTime(Date.parse(report.updatedAt)),
      change,
    }));
  }

  // ---- runs ----

  async recordRun(projectId: string, run: ReportRun): Promise<void> {
    const phase = run.status === 'started' ? 0 : 1;
    await this.store.insertJsonRows('report_runs', JSON.stringify({
      project_id: projectId,
      report_id: run.reportId,
      run_id: run.runId,
      revision: run.revision,
      trigger: run.trigger,
      status: run.status,
      phase,
      attempt: run.attempt,
      started_at: toSqlTime(Date.parse(run.startedAt)),
      finished_at: run.finishedAt === null ? null : toSqlTime(Date.parse(run.finishedAt)),
      duration_ms: run.durationMs,
      buckets: run.buckets,
      rows: run.rows,
      watermark: run.watermark,
      error: run.error,
    }));
  }

  async runs(projectId: string, reportId: string, limit: number): Promise<ReportRun[]> {
    const scope = this.scope(projectId);
    const rows = await queryRows<{
      run_id: string; report_id: string; revision: number; trigger: RunTrigger; status: RunStatus; attempt: number;
      started_at: string; finished_at: string | null; duration_ms: number | null; buckets: number; rows: string;
      watermark: string | null; error: string;
    }>(this.store, sql`SELECT run_id, report_id, revision, trigger, status, attempt, toString(started_at) AS started_at,
         if(finished_at IS NULL, NULL, toString(finished_at)) AS finished_at, duration_ms, buckets, toString(rows) AS rows,
         if(watermark IS NULL, NULL, toString(watermark)) AS watermark, error
       FROM ${scope.table('report_runs')} FINAL
       WHERE ${ofReport(scope, reportId)}
       ORDER BY run_id DESC LIMIT ${uint32(limit)}`);
    return rows.map((r) => ({
      runId: r.run_id,
      reportId: r.report_id,
      revision: Number(r.revision),
      trigger: r.trigger,
      status: r.status,
      attempt: Number(r.attempt),
      startedAt: isoOf(r.started_at),
      finishedAt: r.finished_at === null ? null : isoOf(r.finished_at),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      buckets: Number(r.buckets),
      rows: Number(r.rows),
      watermark: r.watermark === null ? null : isoOf(r.watermark),
      error: r.error,
    }));
  }

  /** The watermark of the latest finished run of this revision (engine time text), or null. */
  async watermark(projectId: string, reportId: string, revision: number): Promise<string | null> {
    const scope = this.scope(projectId);
    const rows = await queryRows<{ w: string | null }>(this.store, sql`SELECT if(count() = 0, NULL, toString(max(watermark))) AS w FROM ${scope.table('report_runs')}
       WHERE ${ofReport(scope, reportId, revision)}
         AND status = 'finished' AND watermark IS NOT NULL`);
    return rows[0]?.w ?? null;
  }

  // ---- materialized results ----

  /** Everything a run needs to know before it starts, in one round trip. */
  async state(projectId: string, reportId: string, revision: number): Promise<MaterializedState> {
    const scope = this.scope(projectId);
    const mine = ofReport(scope, reportId);
    const rev = uint32(revision);
    const current = ofReport(scope, reportId, revision);
    // One statement of plain aggregates: the same answer as scalar subqueries, which the
    // engine plans several times slower on these small tables.
    const rows = await queryRows<{ k: string; a: string; b: string; c: string; d: string }>(this.store, sql`SELECT 'b' AS k, toString(max(version)) AS a, toString(countIf(revision = ${rev})) AS b,
              toString(minIf(bucket, revision = ${rev})) AS c, toString(maxIf(bucket, revision = ${rev})) AS d
       FROM ${scope.table('report_buckets')} WHERE ${mine}
       UNION ALL
       SELECT 'r', toString(max(version)), toString(count()), '', '' FROM ${scope.table('report_results')} WHERE ${mine}
       UNION ALL
       SELECT 'c', toString(sum(n)), '', '', '' FROM (
         SELECT argMax(rows, version) AS n FROM ${scope.table('report_buckets')} WHERE ${current} GROUP BY bucket)
       UNION ALL
       SELECT 'w', if(count() = 0, '', toString(max(watermark))), '', '', '' FROM ${scope.table('report_runs')}
       WHERE ${current} AND status = 'finished' AND watermark IS NOT NULL`);
    const row = (k: string) => rows.find((r) => r.k === k);
    const buckets = row('b');
    const n = Number(buckets?.b ?? 0);
    const currentRows = Number(row('c')?.a ?? 0);
    return {
      nextVersion: Math.max(Number(buckets?.a ?? 0), Number(row('r')?.a ?? 0)) + 1,
      extent: n > 0 ? { lo: Number(buckets!.c), hi: Number(buckets!.d) } : null,
      watermark: row('w')?.a || null,
      staleRows: Math.max(0, Number(row('r')?.b ?? 0) - currentRows),
      currentRows,
    };
  }

  /**
   * Writes buckets' rows under `version`, then the bucket rows that make them current. A crash
   * between the two leaves rows no bucket points at: invisible, and removed by `cleanup`.
   */
  async writeBuckets(projectId: string, reportId: string, revision: number, version: number, runId: string, nowMs: number, buckets: readonly BucketRows[]): Promise<number> {
    if (buckets.length === 0) return 0;
    const results: string[] = [];
    for (const b of buckets) {
      b.rows.forEach((row, i) => {
        results.push(JSON.stringify({ project_id: projectId, report_id: reportId, bucket: b.bucket, version, row_no: i, row_json: JSON.stringify(row) }));
      });
    }
    if (results.length > 0) await this.store.insertJsonRows('report_results', results.join('\n'));
    const computedAt = toSqlTime(nowMs);
    await this.store.insertJsonRows('report_buckets', buckets.map((b) => JSON.stringify({
      project_id: projectId, report_id: reportId, revision, bucket: b.bucket, label: b.label, version, rows: b.rows.length,
      columns: JSON.stringify(b.columns), run_id: runId, computed_at: computedAt,
      ...(b.settled ? { settled: b.settled.count, settled_to: b.settled.to } : {}),
    })).join('\n'));
    return results.length;
  }

  /**
   * Removes rows of versions that are no longer current (superseded or never committed) once
   * there are at least as many of them as current rows, and at least 1000 (or any, with
   * `force`): a delete is a costly statement and stale rows are never read, so they are
   * collected in bulk rather than after every run. `known` passes counts a run read at its start
   * (rows it superseded are then collected by a later run), saving a query. Returns whether it deleted.
   */
  async cleanup(projectId: string, reportId: string, revision: number, options: { force?: boolean; known?: Pick<MaterializedState, 'staleRows' | 'currentRows'> } = {}): Promise<boolean> {
    const scope = this.scope(projectId);
    let counts = options.known;
    if (!counts) {
      const [c] = await queryRows<{ stored: string; current: string }>(this.store, sql`SELECT toString((SELECT count() FROM ${scope.table('report_results')} WHERE ${ofReport(scope, reportId)})) AS stored,
           toString((SELECT sum(rows) FROM (SELECT argMax(rows, version) AS rows FROM ${scope.table('report_buckets')}
             WHERE ${ofReport(scope, reportId, revision)} GROUP BY bucket))) AS current`);
      const currentRows = Number(c?.current ?? 0);
      counts = { currentRows, staleRows: Number(c?.stored ?? 0) - currentRows };
    }
    const stale = counts.staleRows;
    if (stale <= 0 || (!options.force && stale < Math.max(1000, counts.currentRows))) return false;
    await execute(this.store, sql`DELETE FROM ${scope.table('report_results')}
       WHERE ${ofReport(scope, reportId)}
         AND (bucket, version) NOT IN (
           SELECT bucket, max(version) FROM ${scope.table('report_buckets')}
           WHERE ${ofReport(scope, reportId, revision)}
           GROUP BY bucket)`);
    return true;
  }

  /** Drops every materialized bucket of a report (definition changed, or report deleted). */
  async clear(projectId: string, reportId: string): Promise<void> {
    const scope = this.scope(projectId);
    for (const table of ['report_buckets', 'report_results', 'report_session_days'] as const) {
      await execute(this.store, sql`DELETE FROM ${scope.table(table)} WHERE ${ofReport(scope, reportId)}`);
    }
  }

  /**
   * The SQL (and params) selecting the current rows of a report in bucket order, as
   * (bucket, label, row_no, row_json); exports and reads build on it.
   */
  currentRowsSql(projectId: string, reportId: string, revision: number): { sql: string; params: QueryParams } {
    const scope = this.scope(projectId);
    return compile(sql`SELECT r.bucket AS bucket, b.current_label AS label, r.row_no AS row_no, r.row_json AS row_json
        FROM ${scope.table('report_results')} AS r
        INNER JOIN (
          SELECT bucket, argMax(label, version) AS current_label, max(version) AS current_version FROM ${scope.table('report_buckets')}
          WHERE ${ofReport(scope, reportId, revision)}
          GROUP BY bucket
        ) AS b ON r.bucket = b.bucket AND r.version = b.current_version
        WHERE ${ofReport(scope, reportId, undefined, 'r')}
        ORDER BY r.bucket, r.row_no`);
  }

  /** The columns of the most recently computed bucket (every bucket of a revision has the same). */
  async columns(projectId: string, reportId: string, revision: number): Promise<string[] | null> {
    const scope = this.scope(projectId);
    const rows = await queryRows<{ columns: string }>(this.store, sql`SELECT argMax(columns, (version, bucket)) AS columns FROM ${scope.table('report_buckets')}
       WHERE ${ofReport(scope, reportId, revision)}
       HAVING count() > 0`);
    return rows[0] ? (JSON.parse(rows[0].columns) as string[]) : null;
  }

  async rows(projectId: string, reportId: string, revision: number): Promise<Array<{ bucket: number; label: string; row: Array<string | number | null> }>> {
    const q = this.currentRowsSql(projectId, reportId, revision);
    const rows = await this.store.query<{ bucket: string | number; label: string; row_json: string }>(q.sql, q.params);
    return rows.map((r) => ({ bucket: Number(r.bucket), label: r.label, row: JSON.parse(r.row_json) as Array<string | number | null> }));
  }
}
