/**
 * What the API and the CLI do with reports, in one place: validate and save definitions, run,
 * backfill, read and export results. Errors a caller can fix are ReportError with a status.
 */
import type { AnalysisRegistry } from '../analyses/registry.js';
import type { Store } from '../store/store.js';
import { bucketKeyOf } from '../analyses/shared/time-buckets.js';
import { PlanError, planReport } from './report-plan.js';
import {
  reportCreateSchema, reportUpdateSchema, type ExportFormat, type Report, type ReportCreate, type ReportRun, type ReportUpdate,
} from './report-definition.js';
import { newReportId, ReportRepo } from './report-repo.js';
import { ReportRunner, type RunnerLog } from './report-runner.js';
import { exportReport, NoResultsError } from './export.js';

export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(readonly status: number, message: string, readonly issues: ReadonlyArray<{ path: string; message: string }> = []) {
    super(message);
  }
}

export interface ProjectRef {
  readonly projectId: string;
  readonly timezone: string;
}

export interface ReportServiceDeps {
  readonly store: Store;
  readonly analyses: AnalysisRegistry;
  readonly now: () => number;
  readonly runner: ReportRunner;
  readonly repo: ReportRepo;
  readonly log: RunnerLog;
  /** Called after a report is created, changed or deleted (the scheduler re-reads). */
  readonly onChange?: () => void;
}

export interface ReportResults {
  readonly columns: string[];
  readonly rows: Array<Array<string | number | null>>;
}

function issuesOf(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }, prefix = ''): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)', message: i.message }));
}

function invalid(what: string, issues: Array<{ path: string; message: string }>): ReportError {
  return new ReportError(400, `invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {}

  get runner(): ReportRunner {
    return this.deps.runner;
  }

  /** Checks that the analysis exists and its definition is valid for a sample bucket (or as a whole). */
  private checkDefinition(project: ProjectRef, input: Pick<Report, 'analysis' | 'definition' | 'rollingDays'>): void {
    const analysis = this.deps.analyses.get(input.analysis);
    if (!analysis) {
      throw new ReportError(400, `unknown analysis "${input.analysis}"; available: ${this.deps.analyses.names().join(', ')}`, [{ path: 'analysis', message: 'unknown analysis' }]);
    }
    let plan;
    try {
      plan = planReport({ analysis, definition: input.definition, timezone: project.timezone, rollingDays: input.rollingDays });
    } catch (err) {
      if (err instanceof PlanError) throw invalid('report', [{ path: 'definition', message: err.message }]);
      throw err;
    }
    const sample = plan.kind === 'full'
      ? plan.definitionAt(this.deps.now())
      : plan.definitionFor(plan.fromKey ?? bucketKeyOf(this.deps.now(), plan.interval, project.timezone));
    const parsed = analysis.schema.safeParse(sample);
    if (!parsed.success) throw invalid(`${analysis.name} definition`, issuesOf(parsed.error, 'definition'));
    if (plan.kind === 'bucketed' && input.rollingDays !== null) {
      throw invalid('report', [{ path: 'rollingDays', message: 'applies to reports recomputed whole; this one is materialized by bucket' }]);
    }
  }

  async list(project: ProjectRef): Promise<Report[]> {
    return (await this.deps.repo.list(project.projectId)).map(strip);
  }

  async get(project: ProjectRef, key: string): Promise<Report> {
    const r = await this.deps.repo.find(project.projectId, key);
    if (!r) throw new ReportError(404, `no report "${key}" in project ${project.projectId}`);
    return strip(r);
  }

  async create(project: ProjectRef, body: unknown): Promise<Report> {
    const parsed = reportCreateSchema.safeParse(body);
    if (!parsed.success) throw invalid('report', issuesOf(parsed.error));
    const input: ReportCreate = parsed.data;
    this.checkDefinition(project, input);
    if (await this.deps.repo.find(project.projectId, input.name)) {
      throw new ReportError(409, `a report named "${input.name}" already exists in project ${project.projectId}`);
    }
    const now = new Date(this.deps.now()).toISOString();
    const report: Report = { projectId: project.projectId, reportId: newReportId(), ...input, revision: 1, createdAt: now, updatedAt: now };
    await this.deps.repo.save(report, 1);
    this.deps.onChange?.();
    return report;
  }

  async update(project: ProjectRef, key: string, body: unknown): Promise<Report> {
    const parsed = reportUpdateSchema.safeParse(body);
    if (!parsed.success) throw invalid('report update', issuesOf(parsed.error));
    const patch: ReportUpdate = parsed.data;
    const current = await this.deps.repo.find(project.projectId, key);
    if (!current) throw new ReportError(404, `no report "${key}" in project ${project.projectId}`);
    if (this.deps.runner.isRunning(current)) throw new ReportError(409, `report "${current.name}" is running; change it when the run has ended`);
    if (patch.name !== undefined && patch.name !== current.name && (await this.deps.repo.find(project.projectId, patch.name))) {
      throw new ReportError(409, `a report named "${patch.name}" already exists in project ${project.projectId}`);
    }
    const defined = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    const next = {
      name: defined(patch.name, current.name),
      analysis: defined(patch.analysis, current.analysis),
      definition: defined(patch.definition, current.definition),
      schedule: defined(patch.schedule, current.schedule),
      output: defined(patch.output, current.output),
      rollingDays: defined(patch.rollingDays, current.rollingDays),
      maxAttempts: defined(patch.maxAttempts, current.maxAttempts),
    };
    const semantic = next.analysis !== current.analysis || JSON.stringify(next.definition) !== JSON.stringify(current.definition) || next.rollingDays !== current.rollingDays;
    if (semantic) this.checkDefinition(project, next);
    const report: Report = {
      ...strip(current),
      ...next,
      revision: semantic ? current.revision + 1 : current.revision,
      updatedAt: new Date(this.deps.now()).toISOString(),
    };
    await this.deps.repo.save(report, current.change + 1);
    // Rows of older revisions are never read again; dropping them keeps the table small.
    if (semantic) await this.deps.repo.clear(project.projectId, current.reportId);
    this.deps.onChange?.();
    return report;
  }

  async remove(project: ProjectRef, key: string): Promise<void> {
    const current = await this.deps.repo.find(project.projectId, key);
    if (!current) throw new ReportError(404, `no report "${key}" in project ${project.projectId}`);
    if (this.deps.runner.isRunning(current)) throw new ReportError(409, `report "${current.name}" is running; delete it when the run has ended`);
    await this.deps.repo.save({ ...strip(current), updatedAt: new Date(this.deps.now()).toISOString() }, current.change + 1, true);
    await this.deps.repo.clear(project.projectId, current.reportId);
    this.deps.onChange?.();
  }

  async runs(project: ProjectRef, key: string, limit = 20): Promise<ReportRun[]> {
    const report = await this.get(project, key);
    return this.deps.repo.runs(project.projectId, report.reportId, limit);
  }

  /** Runs now (incremental); a report already running gives a `skipped` run. */
  async run(project: ProjectRef, key: string, onProgress?: (done: number, total: number) => void): Promise<ReportRun> {
    const report = await this.get(project, key);
    return this.deps.runner.run(report, { trigger: 'manual', ...(onProgress ? { onProgress } : {}) });
  }

  async backfill(project: ProjectRef, key: string, from: string, to: string, onProgress?: (done: number, total: number) => void): Promise<ReportRun> {
    const report = await this.get(project, key);
    return this.deps.runner.run(report, { trigger: 'backfill', mode: { kind: 'backfill', from, to }, ...(onProgress ? { onProgress } : {}) });
  }

  async results(project: ProjectRef, key: string): Promise<ReportResults> {
    const report = await this.get(project, key);
    const columns = await this.deps.repo.columns(project.projectId, report.reportId, report.revision);
    if (columns === null) {
      // A run that found no data leaves no bucket: empty, which is not the same as never run.
      const ran = await this.deps.repo.watermark(project.projectId, report.reportId, report.revision) !== null
        || (await this.deps.repo.runs(project.projectId, report.reportId, 50)).some((r) => r.status === 'finished' && r.revision === report.revision);
      if (ran) return { columns: [], rows: [] };
      throw new ReportError(409, `report "${report.name}" has no results yet: run it first`);
    }
    const rows = await this.deps.repo.rows(project.projectId, report.reportId, report.revision);
    return { columns, rows: rows.map((r) => r.row) };
  }

  async export(project: ProjectRef, key: string, format: ExportFormat): Promise<{ report: Report; bytes: Uint8Array }> {
    const report = await this.get(project, key);
    try {
      return { report, bytes: await exportReport(this.deps.store, this.deps.repo, report, format) };
    } catch (err) {
      if (err instanceof NoResultsError) throw new ReportError(409, err.message);
      throw err;
    }
  }
}

function strip(r: Report & { change?: number }): Report {
  const { change: _change, ...rest } = r;
  return rest;
}
