/**
 * The Segment HTTP tracking API. Answers follow what SDKs do with them: 200 stored (with any bad
 * items listed), 400 only when nothing in the request can ever succeed, 401 unknown key,
 * 413 too large, 429 over the rate (Retry-After), 503 when the log cannot take writes (retry).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Collector, MessageType } from '../../collector/collector.js';
import type { ProjectRegistry } from '../../projects/project-registry.js';
import { writeKeyOf } from '../auth.js';
import { parseJson, rawBody } from '../body.js';
import { HttpError } from '../http-error.js';
import { LogRecordTooLargeError } from '../../log/errors.js';

export interface IngestRouteDeps {
  readonly collector: Collector;
  readonly registry: ProjectRegistry;
  readonly maxBatchBytes: number;
  readonly now: () => number;
}

const SINGLE: Record<string, MessageType> = {
  track: 'track',
  page: 'page',
  screen: 'screen',
  identify: 'identify',
  alias: 'alias',
  group: 'group',
};

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  for (const [path, type] of Object.entries(SINGLE)) {
    app.post(`/v1/${path}`, (req) => ingest(req, deps, { type, historical: false }));
    // analytics.js (@segment/analytics-next) posts to the type's first letter: /v1/t, /v1/i, ...
    app.post(`/v1/${path[0]}`, (req) => ingest(req, deps, { type, historical: false }));
  }
  app.post('/v1/batch', (req) => ingest(req, deps, { historical: false }));
  app.post('/v1/b', (req) => ingest(req, deps, { historical: false }));
  app.post('/v1/import', (req) => ingest(req, deps, { historical: true }));
}

async function ingest(
  req: FastifyRequest,
  deps: IngestRouteDeps,
  mode: { type?: MessageType; historical: boolean },
): Promise<Record<string, unknown>> {
  const receivedAt = deps.now();
  const bytes = await quarantineOnFailure(deps, req, receivedAt, undefined, () => rawBody(req, deps.maxBatchBytes));
  if (bytes.length > deps.maxBatchBytes) {
    const projectId = deps.registry.byWrite(writeKeyOf(req, undefined) ?? '')?.projectId ?? '';
    await quarantineOr503(deps, {
      projectId,
      reason: 'oversize_request',
      errors: [`request body is ${bytes.length} bytes; the limit is ${deps.maxBatchBytes}`],
      payload: bytes.toString('utf8'),
      receivedAt,
    });
    throw new HttpError(413, `request body is ${bytes.length} bytes; the limit is ${deps.maxBatchBytes} bytes. Split the batch into smaller requests.`);
  }
  // The usual case, a key in the Authorization header, needs no parsing here: the body is parsed
  // once, with the rest of the work, off the request thread.
  const headerKey = writeKeyOf(req, undefined);
  let project = headerKey ? deps.registry.byWrite(headerKey) : undefined;
  if (!project) {
    const body = await quarantineOnFailure(deps, req, receivedAt, bytes, () => parseJson(bytes));
    const key = writeKeyOf(req, body);
    project = key ? deps.registry.byWrite(key) : undefined;
    if (!project) {
      await quarantineOr503(deps, {
        projectId: '',
        reason: key ? 'unknown_write_key' : 'missing_write_key',
        errors: [key ? `write key ${key.slice(0, 12)}... is not known` : 'no write key'],
        payload: bytes.toString('utf8'),
        receivedAt,
      });
      throw new HttpError(401, key
        ? 'unknown write key; check the key your SDK is configured with (clickpath project list shows them)'
        : 'no write key: send it as HTTP Basic username ("writeKey:") or as "writeKey" in the body', {}, { 'www-authenticate': 'Basic realm="clickpath"' });
    }
  }
  let outcome;
  try {
    outcome = await deps.collector.ingest({ projectId: project.projectId, bytes, historical: mode.historical, receivedAt, ...(mode.type ? { type: mode.type } : {}) });
  } catch (err) {
    // preparing never fails on input; a failure here is the log refusing or failing a durable write.
    if (err instanceof LogRecordTooLargeError) throw new HttpError(413, `request is too large for the ingest log: ${err.message}`);
    // The first line says what failed (disk full, log closed); stack traces go to the server log only.
    req.log.error({ err }, 'ingest failed');
    const first = ((err as Error).message ?? String(err)).split('\n')[0];
    throw new HttpError(503, `events were not stored, retry later: ${first}`, {}, { 'retry-after': '1' });
  }
  if (outcome.kind === 'invalid_json') {
    await quarantineOr503(deps, { projectId: project.projectId, reason: 'invalid_request', errors: [outcome.message], payload: bytes.toString('utf8'), receivedAt });
    throw new HttpError(400, outcome.message);
  }
  if (outcome.kind === 'overloaded') {
    throw new HttpError(503, outcome.message, {}, { 'retry-after': String(outcome.retryAfterSeconds) });
  }
  if (outcome.kind === 'rate_limited') {
    throw new HttpError(429, `rate limit exceeded for project ${project.projectId}; retry after ${outcome.retryAfterSeconds} s`, {}, { 'retry-after': String(outcome.retryAfterSeconds) });
  }
  if (outcome.accepted === 0 && outcome.rejected.length > 0) {
    throw new HttpError(400, `no event in this request can be stored: ${outcome.rejected.map((r) => r.errors.join('; ')).join(' | ')}`, {
      rejected: outcome.rejected,
    });
  }
  return { success: true, accepted: outcome.accepted, rejected: outcome.rejected };
}

/** Runs a parsing step; if it throws an HttpError, quarantines the raw request first. */
async function quarantineOnFailure<T>(
  deps: IngestRouteDeps,
  req: FastifyRequest,
  receivedAt: number,
  bytes: Buffer | undefined,
  step: () => T,
): Promise<T> {
  try {
    return step();
  } catch (err) {
    if (err instanceof HttpError) {
      const projectId = deps.registry.byWrite(writeKeyOf(req, undefined) ?? '')?.projectId ?? '';
      await quarantineOr503(deps, {
        projectId,
        reason: err.status === 413 ? 'oversize_request' : 'invalid_request',
        errors: [err.message],
        payload: (bytes ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))).toString('utf8'),
        receivedAt,
      });
    }
    throw err;
  }
}

/** A rejected request is only answered once it is durably quarantined; if the log is down, 503. */
async function quarantineOr503(deps: IngestRouteDeps, item: Parameters<Collector['quarantine']>[0]): Promise<void> {
  try {
    await deps.collector.quarantine(item);
  } catch (err) {
    throw new HttpError(503, `could not record the rejected request, retry later: ${(err as Error).message}`, {}, { 'retry-after': '1' });
  }
}
