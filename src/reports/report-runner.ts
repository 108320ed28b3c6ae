/**
 * Runs reports and records every run: `started`, then `finished` (buckets, rows, duration,
 * watermark) or `failed` (error); a run asked for while the same report is still running is not
 * started but recorded as `skipped`. Runs of different reports may overlap; runs of one report
 * never do, whoever asked (scheduler, API, CLI).
 */
import type { AnalysisRegistry } from '../analyses/registry.js';
import type { Store } from '../store/store.js';
import { isoOf, newRunId, type ReportRepo } from './report-repo.js';
import type { Report, ReportRun, RunTrigger } from './report-definition.js';
import { materialize, type MaterializeMode } from './materialize.js';
import { writeOutputs } from './export.js';

export interface RunnerLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export const SILENT_LOG: RunnerLog = { info() {}, warn() {}, error() {} };

export interface RunnerDeps {
  readonly store: Store;
  readonly repo: ReportRepo;
  readonly analyses: AnalysisRegistry;
  readonly now: () => number;
  /** Folder output settings are relative to. */
  readonly exportRoot: string;
  readonly overlapMs: number;
  readonly log: RunnerLog;
  /** Time zone of a project (for buckets and schedules). */
  readonly timezoneOf: (projectId: string) => string;
}

export interface RunRequest {
  readonly trigger: RunTrigger;
  readonly attempt?: number;
  readonly mode?: MaterializeMode;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Five minutes: longer than an insert of one loader batch or one import chunk takes. */
export const DEFAULT_OVERLAP_MS = 5 * 60_000;

const key = (r: Pick<Report, 'projectId' | 'reportId'>): string => `${r.projectId}\u0000${r.reportId}`;

export class ReportRunner {
  private readonly running = new Map<string, Promise<ReportRun>>();

  constructor(private readonly deps: RunnerDeps) {}

  isRunning(report: Pick<Report, 'projectId' | 'reportId'>): boolean {
    return this.running.has(key(report));
  }

  /** Resolves when every run in progress has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** Runs a report now, or records a skipped run if it is already running. Never throws for a failed run. */
  async run(report: Report, request: RunRequest): Promise<ReportRun> {
    const k = key(report);
    const startedMs = this.deps.now();
    const base = {
      runId: newRunId(startedMs),
      reportId: report.reportId,
      revision: report.revision,
      trigger: request.trigger,
      attempt: request.attempt ?? 1,
      startedAt: new Date(startedMs).toISOString(),
    };
    if (this.running.has(k)) {
      const skipped: ReportRun = { ...base, status: 'skipped', finishedAt: base.startedAt, durationMs: 0, buckets: 0, rows: 0, watermark: null, error: 'the previous run of this report was still going' };
      this.deps.log.warn({ report: report.name, project: report.projectId, trigger: request.trigger }, 'report run skipped: the previous run is still going');
      await this.deps.repo.recordRun(report.projectId, skipped);
      return skipped;
    }
    const promise = this.execute(report, request, base, startedMs);
    this.running.set(k, promise);
    try {
      return await promise;
    } finally {
      this.running.delete(k);
    }
  }

  private async execute(report: Report, request: RunRequest, base: Omit<ReportRun, 'status' | 'finishedAt' | 'durationMs' | 'buckets' | 'rows' | 'watermark' | 'error'>, startedMs: number): Promise<ReportRun> {
    const { repo } = this.deps;
    const started: ReportRun = { ...base, status: 'started', finishedAt: null, durationMs: null, buckets: 0, rows: 0, watermark: null, error: '' };
    await repo.recordRun(report.projectId, started);
    const monotonic = performance.now();
    let final: ReportRun;
    try {
      const analysis = this.deps.analyses.get(report.analysis);
      if (!analysis) throw new Error(`analysis "${report.analysis}" is not available in this build (available: ${this.deps.analyses.names().join(', ')})`);
      const outcome = await materialize({
        store: this.deps.store,
        repo,
        analysis,
        timezone: this.deps.timezoneOf(report.projectId),
        now: this.deps.now,
        overlapMs: this.deps.overlapMs,
        runId: base.runId,
        ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      }, report, request.mode ?? { kind: 'incremental' });
      await writeOutputs(this.deps.store, repo, report, this.deps.exportRoot, base.runId);
      final = { ...started, status: 'finished', buckets: outcome.buckets, rows: outcome.rows, watermark: outcome.watermark };
      this.deps.log.info({ report: report.name, project: report.projectId, buckets: outcome.buckets, rows: outcome.rows }, 'report run finished');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      final = { ...started, status: 'failed', error: message };
      this.deps.log.error({ report: report.name, project: report.projectId, attempt: base.attempt, err: message }, 'report run failed');
    }
    const finishedMs = Math.max(startedMs, this.deps.now());
    final = {
      ...final,
      finishedAt: new Date(finishedMs).toISOString(),
      // Wall time measured, not the (possibly injected) clock, so a run's cost is always real.
      durationMs: Math.round(performance.now() - monotonic),
    };
    try {
      await repo.recordRun(report.projectId, final);
    } catch (err) {
      this.deps.log.error({ report: report.name, err: (err as Error).message }, 'could not record the end of a report run');
    }
    return { ...final, watermark: final.watermark === null ? null : isoOf(final.watermark) };
  }
}
