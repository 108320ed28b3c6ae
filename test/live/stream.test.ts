/**
 * The live event stream: delivery within one project and event filter, resumption from
 * Last-Event-ID without gaps or repeats (also in the middle of a batch), positions the log no
 * longer holds, keys, progress ids on a filtered stream, and a consumer too slow to keep up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { sendBatch, startLiveApp, type LiveTestApp, type SentEvent } from './live-test-kit.js';
import { pumpEvents, parseCursor, formatCursor, type StreamLog } from '../../src/live/event-stream.js';
import { encodeRecord } from '../../src/records/log-record.js';
import type { EventRow } from '../../src/events/event-row.js';

let app: LiveTestApp;
before(async () => {
  // Small segments, so loaded ones are deleted and old positions really go away.
  app = await startLiveApp({ logSegmentBytes: 4096 }, { heartbeatMs: 50 });
});
after(async () => app.close());

interface SseMessage {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Reads SSE messages until `enough` says stop (or the server ends the stream); `ready` is
 * called once the stream's ready message arrived, so "from now" streams can be fed after it.
 */
async function readStream(
  path: string,
  headers: Record<string, string>,
  enough: (all: SseMessage[]) => boolean,
  ready?: () => Promise<void>,
): Promise<{ status: number; messages: SseMessage[] }> {
  const controller = new AbortController();
  const res = await fetch(app.app.url + path, { headers, signal: controller.signal });
  if (res.status !== 200) return { status: res.status, messages: [{ event: 'http', id: undefined, data: (await res.json()) as Record<string, unknown> }] };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  try {
    reading: while (!enough(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const m: SseMessage = { event: 'message', id: undefined, data: {} };
        let data: string | undefined;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) m.event = line.slice(7);
          else if (line.startsWith('id: ')) m.id = line.slice(4);
          else if (line.startsWith('data: ')) data = line.slice(6);
        }
        if (data !== undefined) {
          m.data = JSON.parse(data) as Record<string, unknown>;
          messages.push(m);
          if (m.event === 'ready') await ready?.();
          // Stop at the exact message, as a consumer that goes away at that point would.
          if (enough(messages)) break reading;
        }
      }
    }
  } finally {
    controller.abort();
  }
  return { status: 200, messages };
}

const events = (all: SseMessage[]) => all.filter((m) => m.event === 'message');
const ev = (event: string, messageId: string, extra: Partial<SentEvent> = {}): SentEvent => ({
  event, userId: 'u', messageId, timestamp: Date.now(), properties: { k: `v-${messageId}` }, ...extra,
});

test('delivers newly acknowledged events of the project only, filtered by name, each with its position', async () => {
  const other = await app.app.registry.create('stream other');
  // The stream starts "now": events are sent once it is ready.
  const { messages } = await readStream('/v1/stream?event=a,c', app.bearer(), (all) => events(all).length >= 3, async () => {
    await sendBatch(app, other.writeKey, [ev('a', 'o1')]);
    await sendBatch(app, app.project.writeKey, [ev('a', 's1'), ev('b', 's2'), ev('c', 's3')]);
    await sendBatch(app, app.project.writeKey, [ev('a', 's4', { properties: { q: 'line\nbreak "quoted" 🚀' } })]);
  });
  assert.equal(messages[0]?.event, 'ready');
  const got = events(messages);
  assert.deepEqual(got.map((m) => m.data.event), ['a', 'c', 'a']);
  assert.ok(got.every((m) => m.data.project_id === app.project.projectId));
  assert.deepEqual(got[2]!.data.properties, { q: 'line\nbreak "quoted" 🚀' });
  // The id names the record and the index in it; the data carries both.
  assert.equal(got[0]!.id, `${got[0]!.data.position}-0`);
  assert.equal(got[1]!.id, `${got[0]!.data.position}-2`);
  assert.equal(got[2]!.id, `${got[2]!.data.position}-0`);
  assert.ok(Number(got[2]!.data.position) > Number(got[0]!.data.position));
});

test('a consumer that reconnects with Last-Event-ID resumes mid-batch without gaps or repeats', async () => {
  const project = await app.app.registry.create('stream resume');
  // Loaded segments are deleted; keep these records in the log for the whole test.
  await app.app.loader.stop();
  const start = app.app.log.endPosition();
  const sent = [ev('x', 'r1'), ev('x', 'r2'), ev('x', 'r3'), ev('x', 'r4'), ev('x', 'r5')];
  await sendBatch(app, project.writeKey, sent.slice(0, 3));
  await sendBatch(app, project.writeKey, sent.slice(3));
  const key = { authorization: `Bearer ${project.secretKey}` };
  const first = await readStream(`/v1/stream?from=${start}`, key, (all) => events(all).length >= 2);
  const lastId = events(first.messages).at(-1)!.id!;
  assert.match(lastId, /^\d+-1$/);
  const rest = await readStream(`/v1/stream?from=${start}`, { ...key, 'last-event-id': lastId }, (all) => events(all).length >= 3);
  const ids = [...events(first.messages), ...events(rest.messages)].map((m) => String((m.data.properties as Record<string, string>).k));
  assert.deepEqual(ids, sent.map((e) => `v-${e.messageId}`));
  app.app.loader.start();
});

test('a position the log no longer holds ends the stream with a resync error', async () => {
  const project = await app.app.registry.create('stream deleted');
  for (let i = 0; i < 12; i++) await sendBatch(app, project.writeKey, [ev('d', `d${i}`, { properties: { pad: 'x'.repeat(600) } })]);
  await app.loaded();
  assert.ok(app.app.log.startPosition() > 0, 'loaded segments were deleted');
  const { messages } = await readStream('/v1/stream?from=0', { authorization: `Bearer ${project.secretKey}` }, () => false);
  const error = messages.find((m) => m.event === 'stream-error');
  assert.equal(error?.data.code, 'position_deleted');
  assert.equal(error?.data.oldest, app.app.log.startPosition());
  const ahead = await readStream(`/v1/stream?from=${app.app.log.endPosition() + 10_000}`, app.bearer(), () => false);
  assert.equal(ahead.messages.find((m) => m.event === 'stream-error')?.data.code, 'position_ahead');
});

test('keys and bad positions', async () => {
  assert.equal((await readStream('/v1/stream', app.liveKey(), () => true)).status, 403);
  assert.equal((await readStream('/v1/stream', app.bearer(app.project.writeKey), () => true)).status, 403);
  assert.equal((await readStream('/v1/stream', {}, () => true)).status, 401);
  const bad = await readStream('/v1/stream?from=yesterday', app.bearer(), () => true);
  assert.equal(bad.status, 400);
});

test('a filtered stream announces progress ids while it skips events, so a resume starts late', async () => {
  const { messages } = await readStream('/v1/stream?event=never', app.bearer(), (all) => all.some((m) => m.event === 'progress'), async () => {
    await sendBatch(app, app.project.writeKey, [ev('other', 'p1')]);
  });
  const progress = messages.find((m) => m.event === 'progress')!;
  assert.equal(progress.id, String(app.app.log.endPosition()));
  assert.equal(events(messages).length, 0);
});

test('cursor text round-trips and rejects junk', () => {
  assert.deepEqual(parseCursor('1234-5'), { position: 1234, after: 5 });
  assert.deepEqual(parseCursor('1234'), { position: 1234, after: -1 });
  assert.equal(formatCursor({ position: 7, after: -1 }), '7');
  for (const bad of ['', '-1', '1-', 'a', '1-2-3', '99999999999999999']) assert.equal(parseCursor(bad), undefined, bad);
});

test('a consumer that stops reading is cut off with a slow_consumer error', async () => {
  const row = (i: number): EventRow => ({
    project_id: 'p', event_id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, type: 'track', event: 'e', person_id: 'u', anonymous_id: '', user_id: 'u',
    timestamp: '2026-01-01 00:00:00.000', received_at: '2026-01-01 00:00:00.000', sent_at: null, timestamp_clamped: false, page_url: '', page_path: '', page_referrer: '', page_title: '',
    device_type: '', os: '', browser: '', channel: '', utm_source: '', utm_medium: '', utm_campaign: '', country: '', locale: '', properties: {}, traits: {}, context: '',
  });
  const payload = encodeRecord({ v: 1, events: [row(1), row(2)], rejected: [] });
  const log: StreamLog = {
    read: async (from) => (from === 0 ? { records: [{ position: 0, next: 100, payload }], end: 100 } : { records: [], end: from }),
    waitForAppend: () => new Promise(() => undefined),
    startPosition: () => 0,
    endPosition: () => 100,
  };
  // A socket whose buffer never empties.
  const written: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    writableLength: 0,
    write(text: string) {
      written.push(text);
      this.writableLength += text.length;
      return false;
    },
    end() {
      this.writableEnded = true;
    },
  });
  await pumpEvents(log, res as unknown as ServerResponse, {
    projectId: 'p', events: new Set(), start: { position: 0, after: -1 }, heartbeatMs: 60_000, bufferBytes: 10, slowConsumerMs: 20, signal: new AbortController().signal,
  });
  const last = written.at(-1) ?? '';
  assert.match(last, /^event: stream-error\n/);
  assert.match(last, /"code":"slow_consumer"/);
  assert.ok(res.writableEnded);
});
