import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput } from '../../src/config/config.js';
import { startApp, type AppOptions, type RunningApp } from '../../src/app.js';
import type { CreatedProject } from '../../src/projects/project-registry.js';

export interface TestApp {
  app: RunningApp;
  project: CreatedProject;
  dataDir: string;
  /** POST JSON (or raw string) to a path with optional headers. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;
  basic(key?: string): Record<string, string>;
  bearer(key?: string): Record<string, string>;
  /** Waits until everything acknowledged so far is in the store. */
  loaded(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(overrides: Partial<ConfigInput> = {}, options: AppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-app-'));
  const config = loadConfig({ dataDir, port: 0, logLevel: 'silent', flushIntervalMs: 20, ...overrides } as never, {});
  const app = await startApp(config, options);
  const project = await app.registry.create('Test project', { timezone: 'UTC' });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(app.url + path, init);
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json, headers: res.headers };
  };
  return {
    app,
    project,
    dataDir,
    post: (path, body, headers) => call('POST', path, body, headers),
    get: (path, headers) => call('GET', path, undefined, headers),
    basic: (key = project.writeKey) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }),
    bearer: (key = project.secretKey) => ({ authorization: `Bearer ${key}` }),
    loaded: () => app.loader.waitLoaded(),
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
