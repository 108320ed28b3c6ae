/**
 * `/v1/reports`: saved reports over HTTP (project secret key, or the admin key with
 * `x-clickpath-project`), and the scheduler that runs them while the server is up.
 *
 *   GET    /v1/reports                      list
 *   POST   /v1/reports                      create
 *   GET    /v1/reports/:id                  one report (id or name), its latest runs, next due time
 *   PATCH  /v1/reports/:id                  change (a new analysis/definition starts over)
 *   DELETE /v1/reports/:id
 *   POST   /v1/reports/:id/run              run now (incremental)
 *   POST   /v1/reports/:id/backfill         {from, to}: recompute a range; with
 *                                           `accept: application/x-ndjson` progress lines stream first
 *   GET    /v1/reports/:id/runs?limit=N
 *   GET    /v1/reports/:id/results          {columns, rows}
 *   GET    /v1/reports/:id/export?format=csv|parquet
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppCore } from '../app.js';
import type { Auth } from '../api/auth.js';
import { jsonBody } from '../api/body.js';
import { HttpError, parseOr400 } from '../api/http-error.js';
import type { Report, ReportRun } from './report-definition.js';
import { EXPORT_FORMATS } from './report-definition.js';
import { ReportError, type ProjectRef } from './report-service.js';
import { createReports } from './reports-module.js';
import { ReportScheduler, SYSTEM_CLOCK, type RunResult, type SchedulerClock } from './scheduler.js';
import { EXTENSIONS } from './export.js';
import type { RunnerLog } from './report-runner.js';

const MAX_BODY = 1024 * 1024;
const backfillSchema = z.strictObject({ from: z.string().min(1), to: z.string().min(1) });
const exportQuery = z.object({ format: z.enum(EXPORT_FORMATS).default('csv') });
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) });

export interface ReportsPluginOptions {
  /** Timers and clock of the scheduler (tests move time by hand). */
  readonly clock?: SchedulerClock;
  readonly retryBaseMs?: number;
  readonly overlapMs?: number;
}

function httpError(err: unknown): unknown {
  if (err instanceof ReportError) return new HttpError(err.status, err.message, err.issues.length > 0 ? { issues: err.issues } : {});
  return err;
}

/** Registers the routes and ties the scheduler to the server's life (started when ready, stopped on close). */
export async function reportsPlugin(app: FastifyInstance, core: AppCore, auth: Auth, options: ReportsPluginOptions = {}): Promise<void> {
  const log: RunnerLog = {
    info: (o, m) => app.log.info(o, m),
    warn: (o, m) => app.log.warn(o, m),
    error: (o, m) => app.log.error(o, m),
  };
  const clock: SchedulerClock = options.clock ?? { ...SYSTEM_CLOCK, now: core.now };
  const timezoneOf = (projectId: string): string => core.registry.get(projectId)?.timezone ?? 'UTC';
  let scheduler: ReportScheduler | undefined;
  const refresh = (): void => {
    scheduler?.refresh().catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not re-read report schedules'));
  };
  const { repo, runner, service } = createReports({
    store: core.store,
    analyses: core.analyses,
    now: clock.now,
    timezoneOf,
    exportRoot: join(core.config.dataDir, 'exports'),
    log,
    onChange: refresh,
    ...(options.overlapMs !== undefined ? { overlapMs: options.overlapMs } : {}),
  });
  scheduler = new ReportScheduler({
    clock,
    log,
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    entries: async () =>
      (await repo.list())
        .filter((r) => r.schedule !== null)
        .map((r) => ({ id: `${r.projectId}/${r.reportId}`, schedule: r.schedule ?? '', timezone: timezoneOf(r.projectId), maxAttempts: r.maxAttempts })),
    run: async (id, trigger, attempt): Promise<RunResult> => {
      const slash = id.indexOf('/');
      const report = await repo.find(id.slice(0, slash), id.slice(slash + 1));
      if (!report) return 'gone';
      const run = await runner.run(report, { trigger, attempt });
      return run.status === 'started' ? 'failed' : run.status;
    },
  });
  const started = scheduler;
  app.addHook('onReady', async () => {
    await started.start();
  });
  app.addHook('onClose', async () => {
    await started.stop();
    await runner.idle();
  });

  const project = (req: FastifyRequest): ProjectRef => {
    const p = auth.secret(req);
    return { projectId: p.projectId, timezone: p.timezone };
  };
  const view = (r: Report) => ({ ...r, nextRunAt: nextRunAt(started, r) });
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw httpError(err);
    }
  };

  app.get('/v1/reports', async (req) => {
    const p = project(req);
    return { reports: (await guard(() => service.list(p))).map(view) };
  });
  app.post('/v1/reports', async (req, reply) => {
    const p = project(req);
    const report = await guard(() => service.create(p, jsonBody(req, MAX_BODY)));
    return reply.code(201).send(view(report));
  });
  app.get<{ Params: { id: string } }>('/v1/reports/:id', async (req) => {
    const p = project(req);
    const report = await guard(() => service.get(p, req.params.id));
    return { ...view(report), runs: await guard(() => service.runs(p, report.reportId, 20)) };
  });
  app.patch<{ Params: { id: string } }>('/v1/reports/:id', async (req) => {
    const p = project(req);
    return view(await guard(() => service.update(p, req.params.id, jsonBody(req, MAX_BODY))));
  });
  app.delete<{ Params: { id: string } }>('/v1/reports/:id', async (req) => {
    const p = project(req);
    await guard(() => service.remove(p, req.params.id));
    return { deleted: true };
  });
  app.post<{ Params: { id: string } }>('/v1/reports/:id/run', async (req) => {
    const p = project(req);
    return runAnswer(await guard(() => service.run(p, req.params.id)));
  });
  app.post<{ Params: { id: string } }>('/v1/reports/:id/backfill', async (req, reply) => {
    const p = project(req);
    const body = parseOr400(backfillSchema, jsonBody(req, MAX_BODY), 'backfill range');
    await guard(() => service.get(p, req.params.id));
    if (!String(req.headers.accept ?? '').includes('application/x-ndjson')) {
      return runAnswer(await guard(() => service.backfill(p, req.params.id, body.from, body.to)));
    }
    const stream = new PassThrough();
    reply.type('application/x-ndjson').send(stream);
    const run = await service.backfill(p, req.params.id, body.from, body.to, (done, total) => {
      stream.write(JSON.stringify({ progress: { done, total } }) + '\n');
    }).catch((err: unknown) => ({ error: (err as Error).message }));
    stream.end(JSON.stringify('runId' in run ? { run } : run) + '\n');
    return reply;
  });
  app.get<{ Params: { id: string } }>('/v1/reports/:id/runs', async (req) => {
    const p = project(req);
    const q = parseOr400(runsQuery, req.query, 'query');
    return { runs: await guard(() => service.runs(p, req.params.id, q.limit)) };
  });
  app.get<{ Params: { id: string } }>('/v1/reports/:id/results', async (req) => {
    const p = project(req);
    return guard(() => service.results(p, req.params.id));
  });
  app.get<{ Params: { id: string } }>('/v1/reports/:id/export', async (req, reply) => {
    const p = project(req);
    const q = parseOr400(exportQuery, req.query, 'query');
    const { report, bytes } = await guard(() => service.export(p, req.params.id, q.format));
    return reply
      .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet')
      .header('content-disposition', `attachment; filename="${report.name}.${EXTENSIONS[q.format]}"`)
      .send(Buffer.from(bytes));
  });
}

/** A run as the API answers it: failed and skipped runs are answers too, not HTTP errors. */
function runAnswer(run: ReportRun): { run: ReportRun } {
  return { run };
}

function nextRunAt(scheduler: ReportScheduler, r: Report): string | null {
  const due = scheduler.nextDue(`${r.projectId}/${r.reportId}`);
  return due === null ? null : new Date(due).toISOString();
}
