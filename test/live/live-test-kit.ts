/** Shared pieces of the live tests: an app with the live module, sending events, waiting for the tail. */
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createLivePlugin, type LiveOptions, type LiveService } from '../../src/live/live.plugin.js';
import type { ConfigInput } from '../../src/config/config.js';
import type { ReferenceEvent } from '../../src/live/reference.js';

export interface LiveTestApp extends TestApp {
  live: LiveService;
  /** Authorization header with the project's live key. */
  liveKey(key?: string): Record<string, string>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
  delete(path: string, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function startLiveApp(overrides: Partial<ConfigInput> = {}, options: Partial<LiveOptions> = {}): Promise<LiveTestApp> {
  let live: LiveService | undefined;
  const app = await startTestApp(overrides, { plugins: [createLivePlugin({ ...options, onReady: (l) => (live = l) })] });
  if (!live) throw new Error('the live plugin did not start');
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(app.app.url + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return Object.assign(app, {
    live,
    liveKey: (key = app.project.liveKey) => ({ authorization: `Bearer ${key}` }),
    put: (path: string, body: unknown, headers: Record<string, string> = {}) => call('PUT', path, body, headers),
    delete: (path: string, headers: Record<string, string> = {}) => call('DELETE', path, undefined, headers),
  });
}

export interface SentEvent {
  readonly event: string;
  readonly userId: string;
  readonly messageId: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly properties: Record<string, string>;
}

/** Sends one batch with a write key; resolves once it is acknowledged. */
export async function sendBatch(app: TestApp, writeKey: string, events: readonly SentEvent[]): Promise<void> {
  const batch = events.map((e) => ({
    type: 'track',
    event: e.event,
    userId: e.userId,
    messageId: e.messageId,
    timestamp: new Date(e.timestamp).toISOString(),
    properties: e.properties,
  }));
  const res = await app.post('/v1/batch', { batch }, app.basic(writeKey));
  if (res.status !== 200 || res.json.accepted !== events.length) {
    throw new Error(`batch not accepted: ${res.status} ${JSON.stringify(res.json)}`);
  }
}

/** The reference's view of what was sent (the event id is a function of project and messageId). */
export function asReference(projectId: string, events: readonly SentEvent[]): ReferenceEvent[] {
  return events.map((e) => ({
    projectId,
    eventId: e.messageId,
    event: e.event,
    timestamp: e.timestamp,
    personId: e.userId,
    properties: e.properties,
  }));
}

/** Waits until the tail has read everything acknowledged so far (a condition, not a deadline). */
export async function tailCaughtUp(app: LiveTestApp): Promise<void> {
  const end = app.app.log.endPosition();
  for (let i = 0; i < 3000; i++) {
    if (app.live.tail.stats().readPosition >= end) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the live tail did not reach position ${end}`);
}
