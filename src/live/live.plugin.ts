/**
 * Real time: live counters, top lists (with scheduled snapshots) and the live event stream, as a
 * route module for `startApp`:
 *   startApp(config, { plugins: [livePlugin] })
 *   startApp(config, { plugins: [createLivePlugin({ defaultSnapshots: [...] })] })
 * docs/live.md describes the API and its semantics.
 */
import type { FastifyInstance } from 'fastify';
import type { AppCore } from '../app.js';
import type { Auth } from '../api/auth.js';
import type { Store } from '../store/store.js';
import { TailIndex } from './tail-index.js';
import { LiveReader } from './live-reader.js';
import { ViewCache } from './live-views.js';
import { ViewReader } from './view-reader.js';
import { TopSnapshots, type SnapshotSpec } from './top-snapshots.js';
import { registerLiveRoutes } from './live.routes.js';
import { LiveQueries, topItems } from './live-queries.js';
import { OpenStreams, registerStreamRoute } from './stream.route.js';

export interface LiveOptions {
  /** Events of the unloaded tail kept in memory before reading ahead pauses. */
  readonly maxTailEvents: number;
  /** Pause between tail batches (each costs one id lookup): trades a little freshness for load. */
  readonly tailBatchPauseMs: number;
  /** SSE keep-alive comment (and resume-point) interval. */
  readonly heartbeatMs: number;
  /** Unsent bytes a stream consumer may fall behind by... */
  readonly streamBufferBytes: number;
  /** ...for at most this long before its stream is closed. */
  readonly slowConsumerMs: number;
  /** How often due top-list snapshots are looked for. */
  readonly snapshotCheckMs: number;
  /** Snapshot schedules every project has (a project's own schedule for the same pair wins). */
  readonly defaultSnapshots: readonly SnapshotSpec[];
  /** Receives the running parts (tests, benchmarks). */
  readonly onReady?: (live: LiveService) => void;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  maxTailEvents: 2_000_000,
  tailBatchPauseMs: 25,
  heartbeatMs: 15_000,
  streamBufferBytes: 1024 * 1024,
  slowConsumerMs: 30_000,
  snapshotCheckMs: 60_000,
  defaultSnapshots: [],
};

export interface LiveService {
  readonly tail: TailIndex;
  /** Counters and top lists from live views, falling back to the engine reader. */
  readonly reader: ViewReader;
  /** Every answer from the engine and the tail (distinct persons always come from here). */
  readonly engine: LiveReader;
  readonly views: ViewCache;
  readonly snapshots: TopSnapshots;
}

export type LivePlugin = (app: FastifyInstance, core: AppCore, auth: Auth) => Promise<void>;

export function createLivePlugin(overrides: Partial<LiveOptions> = {}): LivePlugin {
  const options: LiveOptions = { ...DEFAULT_LIVE_OPTIONS, ...overrides };
  return async (app, core, auth) => {
    const onError = (what: string) => (err: unknown) => app.log.error({ err }, what);
    const store = await ownConnection(core);
    const tail = new TailIndex(core.log, core.loader, store, {
      maxEvents: options.maxTailEvents,
      batchPauseMs: options.tailBatchPauseMs,
      onError: onError('live tail failed; retrying'),
    });
    const engine = new LiveReader(store, tail);
    const views = new ViewCache(store, tail, core.now);
    const reader = new ViewReader(views, engine, core.now, undefined, onError('preparing live views failed'));
    const snapshots = new TopSnapshots({
      store,
      projects: () => core.registry.list().map((p) => p.projectId),
      takeTop: (projectId, spec, end) => topItems(reader, projectId, spec, end),
      now: core.now,
      defaults: options.defaultSnapshots,
      onError: onError('top-list snapshot failed'),
    });
    const streams = new OpenStreams();
    const queries = new LiveQueries(reader, core.now);
    registerLiveRoutes(app, { reader, queries, snapshots, auth, now: core.now });
    registerStreamRoute(app, {
      log: core.log,
      auth,
      heartbeatMs: options.heartbeatMs,
      bufferBytes: options.streamBufferBytes,
      slowConsumerMs: options.slowConsumerMs,
      onError: onError('live stream failed'),
    }, streams);
    app.addHook('preClose', async () => streams.abortAll());
    app.addHook('onClose', async () => {
      await snapshots.stop();
      reader.stop();
      await tail.stop();
      if (store !== core.store) await store.close();
    });
    tail.start();
    reader.start();
    snapshots.start(options.snapshotCheckMs);
    options.onReady?.({ tail, reader, engine, views, snapshots });
  };
}

/**
 * On an engine that runs one statement at a time per connection, live reads sharing the loader's
 * connection would wait behind every load.
 */
async function ownConnection(core: AppCore): Promise<Store> {
  return core.store.capabilities.serialStatements ? core.store.openSibling() : core.store;
}

/** The live module with default options. */
export function livePlugin(app: FastifyInstance, core: AppCore, auth: Auth): Promise<void> {
  return createLivePlugin()(app, core, auth);
}
