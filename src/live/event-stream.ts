/**
 * The live event stream over Server-Sent Events: newly acknowledged events of one project, read
 * straight from the durable log, so a consumer sees an event as soon as it is acknowledged and a
 * consumer that reconnects resumes where it stopped.
 *
 * Cursors. Each event's SSE `id` is `<position>-<index>`: the log record that carried it and its
 * index in that record. A cursor `<position>` alone means "from the start of that record". A
 * reconnecting EventSource sends the last id as `Last-Event-ID` and the stream continues right
 * after that event. Delivery is at least once: a consumer that does not keep the id (or that
 * crashes between handling an event and remembering its id) sees events again, and a retried
 * message appears again with the same `event_id`; dedupe on `event_id`.
 */
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { LogRecord, ReadLimits, ReadResult } from '../log/segment-log.js';
import { LogClosedError, LogRangeError } from '../log/errors.js';
import { decodeRecord } from '../records/log-record.js';

export interface Cursor {
  readonly position: number;
  /** Index of the last event already delivered from the record at `position`; −1 for none. */
  readonly after: number;
}

export function parseCursor(text: string): Cursor | undefined {
  const m = /^(\d{1,16})(?:-(\d{1,9}))?$/.exec(text.trim());
  if (!m) return undefined;
  const position = Number(m[1]);
  if (!Number.isSafeInteger(position)) return undefined;
  return { position, after: m[2] === undefined ? -1 : Number(m[2]) };
}

export function formatCursor(c: Cursor): string {
  return c.after < 0 ? String(c.position) : `${c.position}-${c.after}`;
}

/** One SSE message; `data` is JSON on one line, so no field can break the framing. */
export function sseMessage(fields: { event?: string; id?: string; data: unknown }): string {
  let out = '';
  if (fields.event) out += `event: ${fields.event}\n`;
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  return `${out}data: ${JSON.stringify(fields.data)}\n\n`;
}

export interface StreamLog {
  read(from: number, limits: ReadLimits): Promise<ReadResult>;
  waitForAppend(after: number, signal?: AbortSignal): Promise<void>;
  startPosition(): number;
  endPosition(): number;
}

export interface StreamOptions {
  readonly projectId: string;
  /** Event names to deliver; empty delivers all. */
  readonly events: ReadonlySet<string>;
  readonly start: Cursor;
  readonly heartbeatMs: number;
  /** Bytes the socket may hold unsent before the stream waits for the consumer... */
  readonly bufferBytes: number;
  /** ...and how long it waits before closing the stream as too slow. */
  readonly slowConsumerMs: number;
  readonly signal: AbortSignal;
  readonly onError?: (err: unknown) => void;
}

export type StreamErrorCode = 'position_deleted' | 'position_ahead' | 'not_a_record' | 'slow_consumer' | 'shutting_down' | 'internal';

/**
 * Writes the stream to `res` until the consumer goes away, the signal aborts, or an error event
 * ends it. Resolves when done; never rejects.
 */
export async function pumpEvents(log: StreamLog, res: ServerResponse, options: StreamOptions): Promise<void> {
  let cursor: Cursor = options.start;
  let announced = formatCursor(cursor);
  const write = (text: string): void => {
    if (!res.destroyed && !res.writableEnded) res.write(text);
  };
  const fail = (code: StreamErrorCode, error: string): void => {
    write(sseMessage({ event: 'stream-error', data: { code, error, oldest: log.startPosition(), end: log.endPosition() } }));
    res.end();
  };
  const heartbeat = setInterval(() => {
    // A filtered stream may skip many records; a progress id keeps the resume point recent.
    const now = formatCursor(cursor);
    if (now !== announced) {
      write(sseMessage({ event: 'progress', id: now, data: { cursor: now } }));
      announced = now;
    } else {
      write(': keep-alive\n\n');
    }
  }, options.heartbeatMs);
  try {
    write(`retry: 3000\n\n`);
    write(sseMessage({ event: 'ready', id: announced, data: { cursor: announced, oldest: log.startPosition(), end: log.endPosition() } }));
    while (!options.signal.aborted && !res.destroyed) {
      let batch: ReadResult;
      try {
        batch = await log.read(cursor.position, { maxRecords: 500, maxBytes: 4 * 1024 * 1024 });
      } catch (err) {
        if (!(err instanceof LogRangeError)) throw err;
        const { position } = cursor;
        if (position < log.startPosition()) {
          fail('position_deleted', `position ${position} is no longer in the log (the oldest retained position is ${log.startPosition()}); ` +
            'resync from the stored events (e.g. a query or export), then reconnect with from=now');
        } else if (position > log.endPosition()) {
          fail('position_ahead', `position ${position} is beyond the end of the log (${log.endPosition()}); was the data directory replaced? reconnect with from=now`);
        } else {
          fail('not_a_record', `no record starts at position ${position}; use an id this stream sent`);
        }
        return;
      }
      if (batch.records.length === 0) {
        await log.waitForAppend(cursor.position, options.signal);
        continue;
      }
      for (const record of batch.records) {
        const delivered = deliverRecord(record, cursor, options, write);
        cursor = { position: record.next, after: -1 };
        if (delivered !== undefined) announced = delivered;
        if (res.writableLength > options.bufferBytes && !(await drained(res, options))) {
          fail('slow_consumer', `the consumer read too slowly (more than ${options.bufferBytes} bytes waited over ${options.slowConsumerMs} ms); reconnect with the last id`);
          return;
        }
      }
    }
  } catch (err) {
    if (err instanceof LogClosedError) {
      fail('shutting_down', 'the server is shutting down; reconnect with the last id');
    } else if (!options.signal.aborted) {
      options.onError?.(err);
      fail('internal', 'the stream failed (the server log has the details); reconnect with the last id');
    }
  } finally {
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  }
}

/** Writes a record's deliverable events; returns the id of the last one written, if any. */
function deliverRecord(record: LogRecord, cursor: Cursor, options: StreamOptions, write: (text: string) => void): string | undefined {
  const body = decodeRecord(record.payload, record.position);
  const skipUpTo = record.position === cursor.position ? cursor.after : -1;
  let last: string | undefined;
  body.events.forEach((e, index) => {
    if (index <= skipUpTo || e.project_id !== options.projectId) return;
    if (options.events.size > 0 && !options.events.has(e.event)) return;
    last = formatCursor({ position: record.position, after: index });
    write(sseMessage({ id: last, data: { ...e, position: record.position, index, cursor: last } }));
  });
  return last;
}

async function drained(res: ServerResponse, options: StreamOptions): Promise<boolean> {
  const timeout = AbortSignal.timeout(options.slowConsumerMs);
  const signal = AbortSignal.any([timeout, options.signal]);
  try {
    await once(res, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}
