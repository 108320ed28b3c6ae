/**
 * The HTTP server: Fastify with CORS, raw-body parsing and one error handler. Dependencies are
 * injected so tests build a server around a temporary store without mocks.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { Store } from '../store/store.js';
import type { ProjectRegistry } from '../projects/project-registry.js';
import type { Collector } from '../collector/collector.js';
import type { AnalysisRegistry } from '../analyses/registry.js';
import type { LoaderStats } from '../loader/loader.js';
import { registerRawBody } from './body.js';
import { safeStdout, type LogDestination } from './log-destination.js';
import { Auth } from './auth.js';
import { HttpError } from './http-error.js';
import { registerIngestRoutes } from './routes/ingest.route.js';
import { registerPosthogRoutes } from './routes/posthog.route.js';
import { registerStatusRoutes } from './routes/status.route.js';
import { registerRejectedRoutes } from './routes/rejected.route.js';
import { registerProjectRoutes } from './routes/projects.route.js';
import { registerQueryRoutes } from './routes/query.route.js';
import { registerImportFileRoute } from './routes/import-file.route.js';

export interface ServerDeps {
  readonly store: Store;
  readonly registry: ProjectRegistry;
  readonly collector: Collector;
  readonly analyses: AnalysisRegistry;
  readonly loaderStats: () => LoaderStats;
  readonly logStats: () => { end: number; start: number };
  readonly adminKey: string;
  readonly maxBatchBytes: number;
  readonly maxImportBytes: number;
  readonly quarantinePayloadChars: number;
  readonly schemaVersion: number;
  readonly now: () => number;
  readonly logLevel: string;
  /** Where log lines go (default: stdout, dropping lines it cannot write). */
  readonly logStream?: LogDestination;
  /** Extra route modules (live, reports, dashboard) registered by the app. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance, auth: Auth) => void | Promise<void>>;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logLevel === 'silent' ? false : { level: deps.logLevel, stream: deps.logStream ?? safeStdout() },
    // Read up to 4x the batch limit so an oversize request gets our 413 (and is quarantined)
    // instead of a dropped connection.
    bodyLimit: deps.maxBatchBytes * 4,
    // Request start/end lines off (the top-level disableRequestLogging option is deprecated: FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(cors, { origin: true, credentials: false, maxAge: 86400 });
  registerRawBody(app, deps.maxBatchBytes * 4);

  app.setErrorHandler((err: Error, req, reply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.status).send({ success: false, error: err.message, ...err.details });
    }
    const code = (err as { code?: string }).code;
    const status = (err as { statusCode?: number }).statusCode;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ success: false, error: `request body is larger than ${deps.maxBatchBytes * 4} bytes; the limit is ${deps.maxBatchBytes}` });
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ success: false, error: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ success: false, error: 'internal error; the server log has the details' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ success: false, error: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  const auth = new Auth(deps.registry, deps.adminKey);
  const base = { store: deps.store, auth, now: deps.now };
  registerIngestRoutes(app, { collector: deps.collector, registry: deps.registry, maxBatchBytes: deps.maxBatchBytes, now: deps.now });
  registerPosthogRoutes(app, { collector: deps.collector, registry: deps.registry, maxBatchBytes: deps.maxBatchBytes, now: deps.now });
  registerStatusRoutes(app, { ...base, loaderStats: deps.loaderStats, logStats: deps.logStats, schemaVersion: deps.schemaVersion, startedAt: deps.now() });
  registerRejectedRoutes(app, base);
  registerProjectRoutes(app, { registry: deps.registry, auth });
  registerQueryRoutes(app, { ...base, analyses: deps.analyses });
  registerImportFileRoute(app, { store: deps.store, auth, now: deps.now, maxFileBytes: deps.maxImportBytes, payloadChars: deps.quarantinePayloadChars });
  for (const plugin of deps.plugins ?? []) await plugin(app, auth);
  return app;
}
