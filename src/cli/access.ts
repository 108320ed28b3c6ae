/**
 * How a CLI command reaches the data: through the running server (the engine allows one process
 * per data directory, so while a server runs the CLI talks to it with the instance admin key),
 * or by opening the data directory itself when no server holds it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';
import { openStore, readAdminKey, runningServer } from '../app.js';
import { ProjectRegistry, type CreatedProject, type Project } from '../projects/project-registry.js';
import { listRejected, type RejectedItem } from '../api/routes/rejected.route.js';
import { rejectedCount, storedCounts } from '../api/routes/status.route.js';
import { AnalysisRegistry } from '../analyses/registry.js';
import { ALL_ANALYSES } from '../analyses/all.js';
import { runAnalysis } from '../analyses/kernel/run-analysis.js';
import { join } from 'node:path';
import { readCheckpoint } from '../log/checkpoint.js';
import { z } from 'zod';
import { zodIssues } from '../api/http-error.js';
import { ExportUnsupportedError, exportResult, type FileFormat } from '../analyses/export-result.js';

export interface StatusView {
  project: { id: string; name: string; timezone: string };
  eventsStored: number;
  personsStored: number;
  rejectedCount: number;
  lastEventAt: string | null;
  log: { lagBytes: number };
  /** Only from a running server: the loader's own state. */
  loader?: { lastError: string | null; errorKind: string | null; failedAttempts: number; refused: number };
}

export interface Access {
  readonly via: 'server' | 'data-dir';
  listProjects(): Promise<Project[]>;
  createProject(name: string, timezone: string): Promise<CreatedProject>;
  status(projectId: string): Promise<StatusView>;
  rejected(projectId: string, q: { limit: number; offset: number; reason?: string }): Promise<{ total: number; items: RejectedItem[] }>;
  query(projectId: string, analysis: string, definition: unknown): Promise<unknown>;
  exportFile(projectId: string, analysis: string, definition: unknown, format: FileFormat): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

class HttpAccess implements Access {
  readonly via = 'server' as const;
  constructor(private readonly url: string, private readonly adminKey: string) {}

  private async call(method: string, path: string, body?: unknown, projectId?: string): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminKey}` };
    if (projectId) headers['x-clickpath-project'] = projectId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new CliError(`cannot reach the server at ${this.url}: ${(err as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const issues = Array.isArray(json.issues) ? '\n' + (json.issues as Array<{ path: string; message: string }>).map((i) => `  ${i.path}: ${i.message}`).join('\n') : '';
      throw new CliError(`${String(json.error ?? res.statusText)}${issues}`);
    }
    return json;
  }

  async listProjects(): Promise<Project[]> {
    return ((await this.call('GET', '/v1/projects')) as { projects: Project[] }).projects;
  }
  async createProject(name: string, timezone: string): Promise<CreatedProject> {
    return (await this.call('POST', '/v1/projects', { name, timezone })) as CreatedProject;
  }
  async status(projectId: string): Promise<StatusView> {
    return (await this.call('GET', '/v1/status', undefined, projectId)) as StatusView;
  }
  async rejected(projectId: string, q: { limit: number; offset: number; reason?: string }) {
    const qs = new URLSearchParams({ limit: String(q.limit), offset: String(q.offset), ...(q.reason ? { reason: q.reason } : {}) });
    return (await this.call('GET', `/v1/rejected?${qs}`, undefined, projectId)) as { total: number; items: RejectedItem[] };
  }
  async query(projectId: string, analysis: string, definition: unknown): Promise<unknown> {
    return this.call('POST', `/v1/query/${encodeURIComponent(analysis)}`, definition, projectId);
  }
  async exportFile(projectId: string, analysis: string, definition: unknown, format: FileFormat): Promise<Uint8Array> {
    const res = await fetch(`${this.url}/v1/query/${encodeURIComponent(analysis)}/export?format=${format}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminKey}`, 'x-clickpath-project': projectId, 'content-type': 'application/json' },
      body: JSON.stringify(definition),
    }).catch((err: Error) => {
      throw new CliError(`cannot reach the server at ${this.url}: ${err.message}`);
    });
    if (!res.ok) {
      const json = (await res.json().catch(() => ({}))) as { error?: string };
      throw new CliError(json.error ?? res.statusText);
    }
    return new Uint8Array(await res.arrayBuffer());
  }
  async close(): Promise<void> {}
}

class LocalAccess implements Access {
  readonly via = 'data-dir' as const;
  private readonly analyses = new AnalysisRegistry(ALL_ANALYSES);
  constructor(private readonly store: Store, private readonly registry: ProjectRegistry, private readonly dataDir: string) {}

  private project(projectId: string): Project {
    const p = this.registry.get(projectId);
    if (!p) {
      const known = this.registry.list().map((x) => x.projectId);
      throw new CliError(`unknown project "${projectId}"; ${known.length ? `known: ${known.join(', ')}` : 'create one with: clickpath project create NAME'}`);
    }
    return p;
  }

  async listProjects(): Promise<Project[]> {
    return this.registry.list();
  }
  async createProject(name: string, timezone: string): Promise<CreatedProject> {
    return this.registry.create(name, { timezone });
  }
  async status(projectId: string): Promise<StatusView> {
    const p = this.project(projectId);
    const e = await storedCounts(this.store, p.projectId);
    const rejected = await rejectedCount(this.store, p.projectId);
    const checkpoint = await readCheckpoint(join(this.dataDir, 'loader-checkpoint.json'), z.object({ position: z.number() }).passthrough());
    const logBytes = logSize(join(this.dataDir, 'log'));
    return {
      project: { id: p.projectId, name: p.name, timezone: p.timezone },
      eventsStored: e.events,
      personsStored: e.persons,
      rejectedCount: rejected,
      lastEventAt: e.lastEventAt,
      // Unloaded bytes are loaded by the next `serve`; shown so nobody thinks they were lost.
      log: { lagBytes: Math.max(0, logBytes.end - (checkpoint?.position ?? logBytes.start)) },
    };
  }
  async rejected(projectId: string, q: { limit: number; offset: number; reason?: string }) {
    return listRejected(this.store, this.project(projectId).projectId, q);
  }
  private prepare(projectId: string, name: string, definition: unknown) {
    const p = this.project(projectId);
    const analysis = this.analyses.get(name);
    if (!analysis) throw new CliError(`unknown analysis "${name}"; available: ${this.analyses.names().join(', ')}`);
    const parsed = analysis.schema.safeParse(definition);
    if (!parsed.success) {
      throw new CliError(`invalid ${name} definition:\n${zodIssues(parsed.error).map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    }
    const ctx = { store: this.store, projectId: p.projectId, timezone: p.timezone, now: Date.now };
    return { analysis, ctx, definition: parsed.data as unknown };
  }
  async query(projectId: string, name: string, definition: unknown): Promise<unknown> {
    const { analysis, ctx, definition: def } = this.prepare(projectId, name, definition);
    return runAnalysis(analysis, ctx, def);
  }
  async exportFile(projectId: string, name: string, definition: unknown, format: FileFormat): Promise<Uint8Array> {
    const { analysis, ctx, definition: def } = this.prepare(projectId, name, definition);
    try {
      return await exportResult(analysis, ctx, def, format);
    } catch (err) {
      if (err instanceof ExportUnsupportedError) throw new CliError(err.message);
      throw err;
    }
  }
  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Segment files are named by their base position; the end is the last base plus its size. */
function logSize(dir: string): { start: number; end: number } {
  if (!existsSync(dir)) return { start: 0, end: 0 };
  const segs = readdirSync(dir).filter((f) => /^\d+\.seg$/.test(f)).sort();
  const first = segs[0];
  const last = segs[segs.length - 1];
  if (!first || !last) return { start: 0, end: 0 };
  return { start: Number(first.slice(0, -4)), end: Number(last.slice(0, -4)) + statSync(join(dir, last)).size };
}


export async function openAccess(config: Config): Promise<Access> {
  const server = runningServer(config.dataDir);
  if (server) {
    const adminKey = readAdminKey(config.dataDir);
    if (!adminKey) throw new CliError(`a server is running on ${config.dataDir} but its admin-key file is unreadable`);
    return new HttpAccess(server.url, adminKey);
  }
  const store = await openStore(config);
  const registry = new ProjectRegistry(store);
  await registry.refresh();
  return new LocalAccess(store, registry, config.dataDir);
}
