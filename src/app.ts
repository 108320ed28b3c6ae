/**
 * Composes a running Clickpath: store (migrated) → project registry → durable log → loader →
 * collector → HTTP server. The data directory holds everything:
 *   engine/                 the embedded ClickHouse data
 *   log/                    the durable ingest log (segments)
 *   loader-checkpoint.json  how far the log is loaded
 *   admin-key               the instance admin key (created on first start, mode 0600)
 *   server.json             url and pid of the running server, so the CLI can talk to it
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import type { Store } from './store/store.js';
import { ChdbStore } from './store/chdb-store.js';
import { migrate, SCHEMA_VERSION } from './store/migrations.js';
import { ProjectRegistry } from './projects/project-registry.js';
import { SegmentLog } from './log/segment-log.js';
import { Loader, type LoaderStopReport } from './loader/loader.js';
import { Collector } from './collector/collector.js';
import { Backpressure } from './collector/backpressure.js';
import { InlinePreparer, PreparePool } from './collector/prepare-pool.js';
import { buildServer } from './api/server.js';
import type { Auth } from './api/auth.js';
import { AnalysisRegistry } from './analyses/registry.js';
import { ALL_ANALYSES } from './analyses/all.js';
import { SquashTimer } from './store/squash-timer.js';

/**
 * Opens the store a config names. The default is the embedded engine in `<data-dir>/engine`;
 * another engine, or a test, passes its own to `startApp` and `openStore`.
 */
export type ConfigStoreFactory = (config: Config) => Promise<Store>;

export const embeddedStoreFactory: ConfigStoreFactory = (config) =>
  ChdbStore.open({ dataDir: enginePath(config.dataDir), database: config.database });

export interface AppOptions {
  readonly now?: () => number;
  readonly storeFactory?: ConfigStoreFactory;
  /** Extra route modules (dashboard, live, reports). */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance, core: AppCore, auth: Auth) => void | Promise<void>>;
  /** How often the timeline squash runs (default 30 s). */
  readonly squashEveryMs?: number;
}

export interface AppCore {
  readonly config: Config;
  readonly store: Store;
  readonly registry: ProjectRegistry;
  readonly log: SegmentLog;
  readonly loader: Loader;
  readonly collector: Collector;
  readonly analyses: AnalysisRegistry;
  readonly now: () => number;
}

export interface RunningApp extends AppCore {
  readonly server: FastifyInstance;
  readonly url: string;
  readonly adminKey: string;
  /** Stops; reports what the loader could not load (it loads at the next start). */
  close(): Promise<LoaderStopReport | void>;
}

export function enginePath(dataDir: string): string {
  return join(dataDir, 'engine');
}

export function serverInfoPath(dataDir: string): string {
  return join(dataDir, 'server.json');
}

/** The server running on a data directory (its server.json names a live process), if any. */
export function runningServer(dataDir: string): { url: string; pid: number } | undefined {
  const path = serverInfoPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as { url: string; pid: number };
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export function readAdminKey(dataDir: string): string | undefined {
  const path = join(dataDir, 'admin-key');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

function ensureAdminKey(dataDir: string): string {
  const existing = readAdminKey(dataDir);
  if (existing) return existing;
  const key = `ak_${randomBytes(24).toString('base64url')}`;
  writeFileSync(join(dataDir, 'admin-key'), key + '\n', { mode: 0o600 });
  return key;
}

/** Opens the store and migrates it: what every command that touches data needs first. */
export async function openStore(config: Config, factory: ConfigStoreFactory = embeddedStoreFactory): Promise<Store> {
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`data directory ${resolve(config.dataDir)} is not usable (${(err as Error).message}); pass --data-dir with a writable folder`);
  }
  let store: Store;
  try {
    store = await factory(config);
  } catch (err) {
    const msg = (err as Error).message;
    if (/lock|already running|Failed to create connection/i.test(msg)) {
      throw new Error(`the data directory ${resolve(config.dataDir)} is in use by another Clickpath process (is a server running on it?)`);
    }
    throw err;
  }
  await migrate(store);
  return store;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const now = options.now ?? Date.now;
  const store = await openStore(config, options.storeFactory);
  const adminKey = ensureAdminKey(config.dataDir);
  const registry = new ProjectRegistry(store, now);
  await registry.refresh();
  const log = await SegmentLog.open(join(config.dataDir, 'log'), {
    segmentBytes: config.logSegmentBytes,
    maxPendingBytes: config.maxPendingLogBytes,
  });
  let server: FastifyInstance | undefined;
  const loader = new Loader(log, store, {
    checkpointPath: join(config.dataDir, 'loader-checkpoint.json'),
    flushIntervalMs: config.flushIntervalMs,
    flushMaxEvents: config.flushMaxEvents,
    now,
    onError: (err) => server?.log.error({ err }, 'loader failed; retrying'),
  });
  // Neither step throws on what the log holds or on a full disk: a range that cannot load stays
  // pending, the loop retries it, and /healthz and status say why.
  await loader.recover();
  if (loader.stats().lastError === null) await loader.catchUp();
  loader.start();
  // Rewrites merged persons' timeline rows under their person, so queries apply few overrides.
  const squash = new SquashTimer(store, {
    everyMs: options.squashEveryMs ?? 30_000,
    onError: (err) => server?.log.error({ err }, 'timeline squash failed; the next run finishes it'),
    onSquash: (report) => server?.log.info(report, 'timeline squash'),
  });
  squash.start();
  const preparer = config.ingestWorkers > 0 ? new PreparePool(config.ingestWorkers) : new InlinePreparer();
  const collector = new Collector(log, preparer, {
    maxEventBytes: config.maxEventBytes,
    quarantinePayloadChars: config.quarantinePayloadChars,
    rateLimitEventsPerSecond: config.rateLimitEventsPerSecond,
    now,
    backpressure: new Backpressure({
      maxLagBytes: config.maxLagBytes,
      maxLagMs: config.maxLagSeconds * 1000,
      now,
      loadedPosition: () => loader.stats().position,
    }),
  });
  const analyses = new AnalysisRegistry(ALL_ANALYSES);
  const core: AppCore = { config, store, registry, log, loader, collector, analyses, now };
  server = await buildServer({
    store,
    registry,
    collector,
    analyses,
    loaderStats: () => loader.stats(),
    logStats: () => ({ end: log.endPosition(), start: log.startPosition() }),
    adminKey,
    maxBatchBytes: config.maxBatchBytes,
    maxImportBytes: config.maxImportBytes,
    quarantinePayloadChars: config.quarantinePayloadChars,
    schemaVersion: SCHEMA_VERSION,
    now,
    logLevel: config.logLevel,
    plugins: (options.plugins ?? []).map((p) => (app: FastifyInstance, auth: Auth) => p(app, core, auth)),
  });
  try {
    await server.listen({ host: config.host, port: config.port });
  } catch (err) {
    await squash.stop();
    await loader.stop();
    await preparer.close();
    await log.close();
    await store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${config.port} on ${config.host} is in use; pass --port with a free port (or 0 for any)`);
    }
    throw err;
  }
  const address = server.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  try {
    writeFileSync(serverInfoPath(config.dataDir), JSON.stringify({ url, pid: process.pid }) + '\n');
  } catch (err) {
    // A full disk must not keep the server from answering (reads work, writes get 503); CLI
    // commands just cannot find it until the file can be written.
    server.log.warn({ err }, `could not write ${serverInfoPath(config.dataDir)}; CLI commands will not find this server`);
  }
  let closed = false;
  return {
    ...core,
    server,
    url,
    adminKey,
    async close() {
      if (closed) return;
      closed = true;
      await server?.close();
      await preparer.close();
      await squash.stop();
      const left = await loader.stop();
      if (left.pendingBytes > 0) {
        server?.log.warn({ pendingBytes: left.pendingBytes, position: left.position, error: left.error },
          'stopped with part of the log not loaded; it loads at the next start');
      }
      await log.close();
      await store.close();
      rmSync(serverInfoPath(config.dataDir), { force: true });
      return left;
    },
  };
}
