/**
 * The PostHog capture API, so posthog-js and posthog-node work unchanged with `api_host` /
 * `host` set to this server and a Clickpath write key as the project token:
 *   POST /capture, /batch, /e, /i/v0/e (with or without the trailing slash)   events
 *   GET|POST /flags, /decide                                                   no feature flags
 *   GET /array/<key>/config, /array/<key>/config.js                            remote config
 * Events are mapped to Segment messages (src/events/posthog-message.ts) and handed to the same
 * Collector as /v1/batch, so validation, quarantine, rate limits and durability are the same:
 * the 200 is sent only after the record is fsynced. Events that cannot be mapped (no name, no
 * distinct_id) are quarantined with their PostHog JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Collector, ItemError } from '../../collector/collector.js';
import type { Project, ProjectRegistry } from '../../projects/project-registry.js';
import { rawBody } from '../body.js';
import { HttpError } from '../http-error.js';
import { decodePosthogJson, decodePosthogRequest, eventKey, type PosthogRequest } from '../posthog-body.js';
import { posthogEventToSegment } from '../../events/posthog-message.js';
import { isJsonObject, safeJson, type JsonObject } from '../../events/json-values.js';
import { LogRecordTooLargeError } from '../../log/errors.js';

export interface PosthogRouteDeps {
  readonly collector: Collector;
  readonly registry: ProjectRegistry;
  readonly maxBatchBytes: number;
  readonly now: () => number;
}

const CAPTURE_PATHS = ['/capture', '/batch', '/e', '/i/v0/e'];
const FLAG_PATHS = ['/flags', '/decide'];
/** Where posthog-js should send events, relative to its api_host (this server). */
const CAPTURE_ENDPOINT = '/e/';

export function registerPosthogRoutes(app: FastifyInstance, deps: PosthogRouteDeps): void {
  for (const path of CAPTURE_PATHS) {
    for (const p of [path, `${path}/`]) app.post(p, (req) => capture(req, deps));
  }
  for (const path of FLAG_PATHS) {
    for (const p of [path, `${path}/`]) {
      app.get(p, (req) => flags(req, deps, path === '/decide'));
      app.post(p, (req) => flags(req, deps, path === '/decide'));
    }
  }
  app.get<{ Params: { key: string } }>('/array/:key/config', (req) => remoteConfig(projectOfKey(deps, req.params.key)));
  app.get<{ Params: { key: string } }>('/array/:key/config.js', (req, reply) => remoteConfigJs(projectOfKey(deps, req.params.key), reply));
}

/** What this server supports, in the shape posthog-js reads from /array/<key>/config and /decide. */
export function posthogRemoteConfig(token: string): JsonObject {
  return {
    token,
    supportedCompression: ['gzip', 'gzip-js', 'base64'],
    analytics: { endpoint: CAPTURE_ENDPOINT },
    hasFeatureFlags: false,
    sessionRecording: false,
    surveys: false,
    heatmaps: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: false,
    autocaptureExceptions: false,
    elementsChainAsString: true,
    defaultIdentifiedOnly: true,
    siteApps: [],
    toolbarParams: {},
    editorParams: {},
    isAuthenticated: false,
  };
}

function projectOfKey(deps: PosthogRouteDeps, key: string): Project {
  const project = deps.registry.byWrite(key);
  if (!project) throw new HttpError(404, 'unknown project key; use the project write key (wk_...) as the PostHog token');
  return project;
}

function remoteConfig(project: Project): JsonObject {
  return posthogRemoteConfig(project.writeKey);
}

function remoteConfigJs(project: Project, reply: FastifyReply): string {
  const config = { config: posthogRemoteConfig(project.writeKey), siteApps: [] };
  // JSON is a JavaScript expression; escape what could end a script element or a line in old engines.
  const js = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  reply.type('application/javascript; charset=utf-8');
  return `(function(){var w=window;w._POSTHOG_REMOTE_CONFIG=w._POSTHOG_REMOTE_CONFIG||{};w._POSTHOG_REMOTE_CONFIG[${js(project.writeKey)}]=${js(config)};})();\n`;
}

/** No feature flags exist here: every flag is absent, and nothing failed computing them. */
async function flags(req: FastifyRequest, deps: PosthogRouteDeps, decide: boolean): Promise<JsonObject> {
  let key: string | undefined;
  const query = req.query as Record<string, unknown>;
  for (const k of ['token', 'api_key']) if (typeof query[k] === 'string' && query[k] !== '') key ??= query[k] as string;
  if (req.method === 'POST') {
    try {
      const body = decodePosthogJson(rawBody(req, deps.maxBatchBytes), String(req.headers['content-type'] ?? ''), req.query, deps.maxBatchBytes);
      if (isJsonObject(body)) {
        for (const v of [body.token, body.api_key]) if (typeof v === 'string' && v !== '') key ??= v;
      }
    } catch {
      // An unreadable flags request still gets the truth: there are no flags.
    }
  }
  if (key !== undefined && !deps.registry.byWrite(key)) {
    throw new HttpError(401, 'unknown project key; use the project write key (wk_...) as the PostHog token');
  }
  const answer: JsonObject = {
    flags: {},
    featureFlags: {},
    featureFlagPayloads: {},
    errorsWhileComputingFlags: false,
    quotaLimited: [],
    requestId: randomUUID(),
  };
  if (decide || query.config === 'true') {
    const { token: _token, ...config } = posthogRemoteConfig(key ?? '');
    return { ...config, config: { enable_collect_everything: true }, ...answer };
  }
  return answer;
}

async function capture(req: FastifyRequest, deps: PosthogRouteDeps): Promise<Record<string, unknown>> {
  const receivedAt = deps.now();
  let decoded: PosthogRequest;
  let bytes: Buffer | undefined;
  try {
    bytes = rawBody(req, deps.maxBatchBytes);
    if (bytes.length > deps.maxBatchBytes) {
      throw new HttpError(413, `request body is ${bytes.length} bytes; the limit is ${deps.maxBatchBytes} bytes. Send smaller batches.`);
    }
    decoded = decodePosthogRequest(bytes, String(req.headers['content-type'] ?? ''), req.query, deps.maxBatchBytes);
  } catch (err) {
    if (err instanceof HttpError) {
      await quarantineOr503(deps, {
        projectId: '',
        reason: err.status === 413 ? 'oversize_request' : 'invalid_request',
        errors: [err.message],
        payload: (bytes ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))).toString('utf8'),
        receivedAt,
      });
    }
    throw err;
  }

  // Events are grouped by the key they were sent with (one group, nearly always).
  const groups = new Map<string, number[]>();
  decoded.events.forEach((event, index) => {
    const key = eventKey(decoded, event) ?? '';
    const list = groups.get(key);
    if (list) list.push(index);
    else groups.set(key, [index]);
  });
  if (decoded.events.length === 0) return { status: 1, accepted: 0, rejected: [] };

  let accepted = 0;
  let known = 0;
  const rejected: ItemError[] = [];
  let unknownKey: string | undefined;
  for (const [key, indexes] of groups) {
    const project = key ? deps.registry.byWrite(key) : undefined;
    if (!project) {
      unknownKey = key;
      await quarantineOr503(deps, {
        projectId: '',
        reason: key ? 'unknown_write_key' : 'missing_write_key',
        errors: [key ? `PostHog token ${key.slice(0, 12)}... is not a known write key` : 'no api_key or token'],
        payload: safeJson(indexes.map((i) => decoded.events[i])),
        receivedAt,
      });
      continue;
    }
    known++;
    const messages: JsonObject[] = [];
    const origin: number[] = [];
    for (const index of indexes) {
      const event = decoded.events[index];
      const mapped = posthogEventToSegment(event, { receivedAt, sentAt: decoded.sentAt });
      if (!mapped.ok) {
        await quarantineOr503(deps, { projectId: project.projectId, reason: mapped.reason, errors: [mapped.error], payload: safeJson(event), receivedAt });
        rejected.push({ index, reason: mapped.reason, errors: [mapped.error] });
        continue;
      }
      for (const m of mapped.messages) {
        messages.push(m);
        origin.push(index);
      }
    }
    if (messages.length === 0) continue;
    let outcome;
    try {
      outcome = await deps.collector.ingest({
        projectId: project.projectId,
        bytes: Buffer.from(JSON.stringify({ batch: messages }), 'utf8'),
        historical: decoded.historical,
        receivedAt,
      });
    } catch (err) {
      if (err instanceof LogRecordTooLargeError) throw new HttpError(413, `request is too large for the ingest log: ${err.message}`);
      req.log.error({ err }, 'posthog ingest failed');
      const first = ((err as Error).message ?? String(err)).split('\n')[0];
      throw new HttpError(503, `events were not stored, retry later: ${first}`, {}, { 'retry-after': '1' });
    }
    if (outcome.kind !== 'stored') {
      if (outcome.kind === 'invalid_json') throw new HttpError(500, `mapped PostHog events did not serialize: ${outcome.message}`);
      if (outcome.kind === 'rate_limited') {
        throw new HttpError(429, `rate limit exceeded for project ${project.projectId}; retry after ${outcome.retryAfterSeconds} s`, {}, { 'retry-after': String(outcome.retryAfterSeconds) });
      }
      // The collector refusing for now (overloaded): the SDK retries.
      const busy = outcome as { retryAfterSeconds?: number; message?: string };
      throw new HttpError(503, busy.message ?? 'the server cannot take events right now; retry', {}, { 'retry-after': String(busy.retryAfterSeconds ?? 1) });
    }
    accepted += outcome.accepted;
    for (const r of outcome.rejected) rejected.push({ ...r, index: r.index >= 0 ? origin[r.index] ?? r.index : r.index });
  }
  if (known === 0) {
    throw new HttpError(401, unknownKey
      ? 'unknown project key; use the project write key (wk_...) as the PostHog token (clickpath project list shows them)'
      : 'no project key: send "api_key" in the body or "token" in the event properties');
  }
  if (accepted === 0 && rejected.length > 0) {
    throw new HttpError(400, `no event in this request can be stored: ${rejected.map((r) => r.errors.join('; ')).join(' | ')}`, { rejected });
  }
  return { status: 1, accepted, rejected };
}

async function quarantineOr503(deps: PosthogRouteDeps, item: Parameters<Collector['quarantine']>[0]): Promise<void> {
  try {
    await deps.collector.quarantine(item);
  } catch (err) {
    throw new HttpError(503, `could not record the rejected request, retry later: ${(err as Error).message}`, {}, { 'retry-after': '1' });
  }
}
