/** Builds the report pieces (store access, runner, service) the API plugin and the CLI share. */
import type { AnalysisRegistry } from '../analyses/registry.js';
import type { Store } from '../store/store.js';
import { ReportRepo } from './report-repo.js';
import { DEFAULT_OVERLAP_MS, ReportRunner, SILENT_LOG, type RunnerLog } from './report-runner.js';
import { ReportService } from './report-service.js';

export interface ReportsOptions {
  readonly store: Store;
  readonly analyses: AnalysisRegistry;
  readonly now: () => number;
  readonly timezoneOf: (projectId: string) => string;
  /** Output folders of reports are relative to this folder. */
  readonly exportRoot: string;
  readonly overlapMs?: number;
  readonly log?: RunnerLog;
  readonly onChange?: () => void;
}

export interface Reports {
  readonly repo: ReportRepo;
  readonly runner: ReportRunner;
  readonly service: ReportService;
}

export function createReports(options: ReportsOptions): Reports {
  const log = options.log ?? SILENT_LOG;
  const repo = new ReportRepo(options.store);
  const runner = new ReportRunner({
    store: options.store,
    repo,
    analyses: options.analyses,
    now: options.now,
    exportRoot: options.exportRoot,
    overlapMs: options.overlapMs ?? DEFAULT_OVERLAP_MS,
    log,
    timezoneOf: options.timezoneOf,
  });
  const service = new ReportService({
    store: options.store,
    analyses: options.analyses,
    now: options.now,
    runner,
    repo,
    log,
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  return { repo, runner, service };
}
