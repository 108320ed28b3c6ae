/**
 * How the CLI reaches reports: through the running server's `/v1/reports` (the engine allows one
 * process per data directory, so while a server runs the CLI talks to it with the admin key), or
 * directly on the data directory when no server holds it. Scheduled runs happen only while a
 * server runs; the CLI runs reports when asked.
 */
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { openStore, readAdminKey, runningServer } from '../app.js';
import { ProjectRegistry } from '../projects/project-registry.js';
import { AnalysisRegistry } from '../analyses/registry.js';
import { ALL_ANALYSES } from '../analyses/all.js';
import type { Store } from '../store/store.js';
import type { ExportFormat, Report, ReportRun } from '../reports/report-definition.js';
import { ReportError, type ProjectRef, type ReportResults } from '../reports/report-service.js';
import { createReports, type Reports } from '../reports/reports-module.js';

export type ReportView = Report & { nextRunAt?: string | null };

export interface ReportsClient {
  readonly via: 'server' | 'data-dir';
  list(): Promise<ReportView[]>;
  create(body: unknown): Promise<ReportView>;
  update(key: string, body: unknown): Promise<ReportView>;
  show(key: string): Promise<{ report: ReportView; runs: ReportRun[] }>;
  remove(key: string): Promise<void>;
  run(key: string): Promise<ReportRun>;
  backfill(key: string, from: string, to: string, onProgress: (done: number, total: number) => void): Promise<ReportRun>;
  results(key: string): Promise<ReportResults>;
  export(key: string, format: ExportFormat): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A failure the person can act on; the message says what to do. */
export class ReportClientError extends Error {
  override readonly name = 'ReportClientError';
}

class HttpReportsClient implements ReportsClient {
  readonly via = 'server' as const;
  constructor(private readonly url: string, private readonly adminKey: string, private readonly projectId: string) {}

  private async fetch(method: string, path: string, body?: unknown, accept?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminKey}`, 'x-clickpath-project': this.projectId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (accept) headers.accept = accept;
    let res: Response;
    try {
      res = await fetch(this.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new ReportClientError(`cannot reach the server at ${this.url}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const json = (await res.json().catch(() => ({}))) as { error?: string; issues?: Array<{ path: string; message: string }> };
      const issues = json.issues?.length ? '\n' + json.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n') : '';
      throw new ReportClientError(`${json.error ?? res.statusText}${issues}`);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.fetch(method, path, body)).json()) as T;
  }

  private path(key: string, rest = ''): string {
    return `/v1/reports/${encodeURIComponent(key)}${rest}`;
  }

  async list() {
    return (await this.json<{ reports: ReportView[] }>('GET', '/v1/reports')).reports;
  }
  async create(body: unknown) {
    return this.json<ReportView>('POST', '/v1/reports', body);
  }
  async update(key: string, body: unknown) {
    return this.json<ReportView>('PATCH', this.path(key), body);
  }
  async show(key: string) {
    const { runs, ...report } = await this.json<ReportView & { runs: ReportRun[] }>('GET', this.path(key));
    return { report, runs };
  }
  async remove(key: string) {
    await this.json('DELETE', this.path(key));
  }
  async run(key: string) {
    return (await this.json<{ run: ReportRun }>('POST', this.path(key, '/run'))).run;
  }
  async backfill(key: string, from: string, to: string, onProgress: (done: number, total: number) => void) {
    const res = await this.fetch('POST', this.path(key, '/backfill'), { from, to }, 'application/x-ndjson');
    const text = await readLines(res, (line) => {
      const msg = JSON.parse(line) as { progress?: { done: number; total: number } };
      if (msg.progress) onProgress(msg.progress.done, msg.progress.total);
    });
    const last = JSON.parse(text) as { run?: ReportRun; error?: string };
    if (!last.run) throw new ReportClientError(last.error ?? 'the server ended the backfill without a result');
    return last.run;
  }
  async results(key: string) {
    return this.json<ReportResults>('GET', this.path(key, '/results'));
  }
  async export(key: string, format: ExportFormat) {
    return new Uint8Array(await (await this.fetch('GET', this.path(key, `/export?format=${format}`))).arrayBuffer());
  }
  async close() {}
}

/** Calls `onLine` for every complete line but the last, and returns the last. */
async function readLines(res: Response, onLine: (line: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let last = '';
  const flush = (final: boolean) => {
    const lines = buffer.split('\n');
    buffer = final ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (last) onLine(last);
      last = line;
    }
  };
  if (res.body) {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      flush(false);
    }
  }
  buffer += decoder.decode();
  flush(true);
  return last;
}

class LocalReportsClient implements ReportsClient {
  readonly via = 'data-dir' as const;
  constructor(private readonly store: Store, private readonly reports: Reports, private readonly project: ProjectRef) {}

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ReportError) {
        // "invalid report: a: x; b: y" reads better as one issue per line.
        const listed = err.issues.length > 0 && err.message.startsWith('invalid ');
        const head = listed ? err.message.slice(0, err.message.indexOf(': ')) : err.message;
        throw new ReportClientError(listed ? head + err.issues.map((i) => `\n  ${i.path}: ${i.message}`).join('') : head);
      }
      throw err;
    }
  }

  list() {
    return this.guard(() => this.reports.service.list(this.project));
  }
  create(body: unknown) {
    return this.guard(() => this.reports.service.create(this.project, body));
  }
  update(key: string, body: unknown) {
    return this.guard(() => this.reports.service.update(this.project, key, body));
  }
  show(key: string) {
    return this.guard(async () => {
      const report = await this.reports.service.get(this.project, key);
      return { report, runs: await this.reports.service.runs(this.project, report.reportId, 20) };
    });
  }
  remove(key: string) {
    return this.guard(() => this.reports.service.remove(this.project, key));
  }
  run(key: string) {
    return this.guard(() => this.reports.service.run(this.project, key));
  }
  backfill(key: string, from: string, to: string, onProgress: (done: number, total: number) => void) {
    return this.guard(() => this.reports.service.backfill(this.project, key, from, to, onProgress));
  }
  results(key: string) {
    return this.guard(() => this.reports.service.results(this.project, key));
  }
  export(key: string, format: ExportFormat) {
    return this.guard(async () => (await this.reports.service.export(this.project, key, format)).bytes);
  }
  async close() {
    await this.store.close();
  }
}

export async function openReportsClient(config: Config, projectId: string): Promise<ReportsClient> {
  const server = runningServer(config.dataDir);
  if (server) {
    const adminKey = readAdminKey(config.dataDir);
    if (!adminKey) throw new ReportClientError(`a server is running on ${config.dataDir} but its admin-key file is unreadable`);
    return new HttpReportsClient(server.url, adminKey, projectId);
  }
  const store = await openStore(config);
  try {
    const registry = new ProjectRegistry(store);
    await registry.refresh();
    const project = registry.get(projectId);
    if (!project) {
      const known = registry.list().map((p) => p.projectId);
      throw new ReportClientError(`unknown project "${projectId}"; ${known.length ? `known: ${known.join(', ')}` : 'create one with: clickpath project create NAME'}`);
    }
    const reports = createReports({
      store,
      analyses: new AnalysisRegistry(ALL_ANALYSES),
      now: Date.now,
      timezoneOf: (id) => registry.get(id)?.timezone ?? 'UTC',
      exportRoot: join(config.dataDir, 'exports'),
    });
    return new LocalReportsClient(store, reports, { projectId: project.projectId, timezone: project.timezone });
  } catch (err) {
    await store.close();
    throw err;
  }
}
