/** Shared pieces of the importer tests: temp files, one-call imports, stored rows in a comparable shape. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/store.js';
import { parseImportSpec, type ImportSpecInput } from '../../src/importer/import-spec.js';
import { runImport, type ImportRequest } from '../../src/importer/import-runner.js';
import type { ImportSummary } from '../../src/importer/import-summary.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A temp directory for generated files, removed by `dispose`. */
export function tempFiles(): { path(name: string): string; write(name: string, content: string | Buffer): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-import-test-'));
  return {
    path: (name) => join(dir, name),
    write(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function importFile(
  store: Store,
  projectId: string,
  path: string,
  spec: ImportSpecInput,
  extra: Partial<Omit<ImportRequest, 'store' | 'project' | 'path' | 'spec'>> & { timezone?: string } = {},
): Promise<ImportSummary> {
  const { timezone, ...rest } = extra;
  return runImport({ store, project: { projectId, timezone: timezone ?? 'UTC' }, path, spec: parseImportSpec(spec), ...rest });
}

export interface StoredEvent {
  person_id: string;
  user_id: string;
  anonymous_id: string;
  event: string;
  /** ISO instant, UTC, milliseconds. */
  timestamp: string;
  properties: Record<string, string>;
}

/** A project's events ordered by time, person, event, with the columns an import sets. */
export async function storedEvents(store: Store, projectId: string): Promise<StoredEvent[]> {
  return store.query<StoredEvent>(
    `SELECT person_id, user_id, anonymous_id, event, concat(replaceOne(toString(timestamp), ' ', 'T'), 'Z') AS timestamp, properties
     FROM ${store.database}.events WHERE project_id = {project:String}
     ORDER BY timestamp, person_id, event, toString(properties)`,
    { project: projectId },
  );
}

export async function countEvents(store: Store, projectId: string): Promise<{ rows: number; ids: number }> {
  const [r] = await store.query<{ rows: string; ids: string }>(
    `SELECT toString(count()) AS rows, toString(uniqExact(event_id)) AS ids FROM ${store.database}.events WHERE project_id = {project:String}`,
    { project: projectId },
  );
  return { rows: Number(r?.rows ?? 0), ids: Number(r?.ids ?? 0) };
}

export interface QuarantinedRow {
  source: string;
  reason: string;
  errors: string[];
  payload: string;
  file: string;
  line: number;
}

export async function quarantined(store: Store, projectId: string): Promise<QuarantinedRow[]> {
  return store.query<QuarantinedRow>(
    `SELECT source, reason, errors, payload, file, toUInt32(line) AS line FROM ${store.database}.rejected_events
     WHERE project_id = {project:String} ORDER BY line, reason`,
    { project: projectId },
  );
}

/** `2018-10-01T13:54:59-04:00` → `2018-10-01T17:54:59.000Z`. */
export const utc = (iso: string): string => new Date(iso).toISOString();

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `clickpath ARGS` (with the import command) in a child process. */
export function cli(args: readonly string[], options: { cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 120_000, ...(options.cwd ? { cwd: options.cwd } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, without blocking the test process (for runs that get signalled). */
export function cliChild(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The store, failing right after the `nth` statement matching `pattern` has run: a crash mid-chunk.
 * With `loseRowsOf`, the rows that statement inserted into `events` for that project are deleted
 * first, while its deduplication token stays recorded: what a kill between the engine's
 * deduplication record and its part commit leaves.
 */
export function crashingAfter(store: Store, pattern: RegExp, nth: number, loseRowsOf?: string): Store {
  let seen = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'exec') {
        return async (sql: string, params?: Record<string, never>) => {
          const hit = pattern.test(sql) && ++seen === nth;
          const [before] = hit && loseRowsOf ? await target.query<{ t: string }>('SELECT toString(now64(3)) AS t') : [];
          await target.exec(sql, params);
          if (before) {
            await target.exec(
              `ALTER TABLE ${target.database}.events DELETE WHERE project_id = {p:String} AND loaded_at >= {t:DateTime64(3, 'UTC')} SETTINGS mutations_sync = 2`,
              { p: loseRowsOf!, t: before.t });
          }
          if (hit) throw new Error('simulated crash');
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
