/** Health and per-project status: what is stored, how far the loader is behind, what was rejected. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.js';
import type { LoaderStats } from '../../loader/loader.js';
import type { Auth } from '../auth.js';
import { queryRows } from '../../analyses/kernel/run.js';
import { ProjectScope } from '../../analyses/kernel/scope.js';
import { sql } from '../../analyses/kernel/sql.js';

export interface StatusDeps {
  readonly store: Store;
  readonly auth: Auth;
  readonly loaderStats: () => LoaderStats;
  readonly logStats: () => { end: number; start: number };
  readonly schemaVersion: number;
  readonly startedAt: number;
  readonly now: () => number;
}

export interface ProjectStatus {
  project: { id: string; name: string; timezone: string };
  eventsStored: number;
  personsStored: number;
  rejectedCount: number;
  lastEventAt: string | null;
  log: { lagBytes: number; position: number; end: number };
  loader: {
    lastLoadAt: string | null;
    lastError: string | null;
    /** transient: retried with backoff (disk, memory); data/unknown: the rows are being isolated. */
    errorKind: 'data' | 'transient' | 'unknown' | null;
    failedAttempts: number;
    eventsLoaded: number;
    duplicatesSkipped: number;
    /** Acknowledged events the engine refused since the start, kept in the quarantine (source loader). */
    refused: number;
  };
}

/**
 * Events stored, persons and the last event time of a project. Persons are counted as the
 * analyses count them: ids linked by identify/alias are one person.
 */
export async function storedCounts(store: Pick<Store, 'query' | 'database'>, projectId: string): Promise<{ events: number; persons: number; lastEventAt: string | null }> {
  const scope = new ProjectScope(store.database, projectId);
  const aliases = (await queryRows(store, scope.hasAliasesSql())).length > 0;
  const [row] = await queryRows<{ n: string; persons: string; last: string | null }>(store, sql`
    SELECT toString(count()) AS n, toString(uniqExact(person_id)) AS persons,
            if(count() = 0, NULL, toString(max(timestamp))) AS last
     FROM ${scope.events({ persons: aliases ? 'resolved' : 'stored' })} AS e`);
  return { events: Number(row?.n ?? 0), persons: Number(row?.persons ?? 0), lastEventAt: row?.last ?? null };
}

/** Rejected events of a project (the quarantine's size). */
export async function rejectedCount(store: Pick<Store, 'query' | 'database'>, projectId: string): Promise<number> {
  const scope = new ProjectScope(store.database, projectId);
  const [row] = await queryRows<{ n: string }>(store, sql`SELECT toString(count()) AS n FROM ${scope.rows('rejected_events')}`);
  return Number(row?.n ?? 0);
}

export async function projectStatus(deps: StatusDeps, projectId: string): Promise<Omit<ProjectStatus, 'project'>> {
  const events = await storedCounts(deps.store, projectId);
  const rejected = await rejectedCount(deps.store, projectId);
  const loader = deps.loaderStats();
  const log = deps.logStats();
  return {
    eventsStored: events.events,
    personsStored: events.persons,
    rejectedCount: rejected,
    lastEventAt: events.lastEventAt,
    log: { lagBytes: loader.lagBytes, position: loader.position, end: log.end },
    loader: {
      lastLoadAt: loader.lastLoadAt === null ? null : new Date(loader.lastLoadAt).toISOString(),
      lastError: loader.lastError,
      errorKind: loader.lastErrorKind,
      failedAttempts: loader.failedAttempts,
      eventsLoaded: loader.eventsLoaded,
      duplicatesSkipped: loader.duplicatesSkipped,
      refused: loader.refusedLoaded,
    },
  };
}

export function registerStatusRoutes(app: FastifyInstance, deps: StatusDeps): void {
  app.get('/healthz', async () => ({
    ok: true,
    schemaVersion: deps.schemaVersion,
    uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
    loaderError: deps.loaderStats().lastError,
    loaderErrorKind: deps.loaderStats().lastErrorKind,
    logLagBytes: deps.loaderStats().lagBytes,
    // Where memory goes: the JS heap and buffers, or (the rest of rss) the engine in-process.
    memoryMiB: memoryMiB(),
  }));
  app.get('/v1/status', async (req) => {
    const project = deps.auth.secret(req);
    const status = await projectStatus(deps, project.projectId);
    return { project: { id: project.projectId, name: project.name, timezone: project.timezone }, ...status };
  });
}

function memoryMiB(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 1024 / 1024);
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
}
