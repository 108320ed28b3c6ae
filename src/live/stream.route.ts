/**
 * `GET /v1/stream` (secret key): the project's newly acknowledged events as Server-Sent Events.
 *   ?from=now (default) | oldest | <cursor>   where to start; a `Last-Event-ID` header wins
 *   ?event=a,b (or repeated)                  only these event names
 * See event-stream.ts for cursors and delivery semantics.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Auth } from '../api/auth.js';
import { HttpError, parseOr400 } from '../api/http-error.js';
import { formatCursor, parseCursor, pumpEvents, type Cursor, type StreamLog } from './event-stream.js';

export interface StreamRouteDeps {
  readonly log: StreamLog;
  readonly auth: Auth;
  readonly heartbeatMs: number;
  readonly bufferBytes: number;
  readonly slowConsumerMs: number;
  readonly onError: (err: unknown) => void;
}

const streamQuery = z.object({
  from: z.string().max(40).optional(),
  event: z.union([z.string(), z.array(z.string())]).optional()
    .transform((e) => (e === undefined ? [] : (Array.isArray(e) ? e : [e]).flatMap((x) => x.split(',')).filter((x) => x !== ''))),
});

/** Open streams end when the server closes, or it would wait for them forever. */
export class OpenStreams {
  private readonly controllers = new Set<AbortController>();
  open(): AbortController {
    const c = new AbortController();
    this.controllers.add(c);
    return c;
  }
  done(c: AbortController): void {
    this.controllers.delete(c);
  }
  abortAll(): void {
    for (const c of this.controllers) c.abort();
  }
}

export function registerStreamRoute(app: FastifyInstance, deps: StreamRouteDeps, streams: OpenStreams): void {
  app.get('/v1/stream', async (req, reply) => {
    const project = deps.auth.secret(req);
    const q = parseOr400(streamQuery, req.query, 'stream query');
    const lastId = req.headers['last-event-id'];
    const start = startCursor(typeof lastId === 'string' && lastId !== '' ? lastId : q.from ?? 'now', deps.log);
    const controller = streams.open();
    req.raw.once('close', () => controller.abort());
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      // Headers other hooks set on the reply (CORS) are not sent for a hijacked reply by themselves.
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    try {
      await pumpEvents(deps.log, res, {
        projectId: project.projectId,
        events: new Set(q.event),
        start,
        heartbeatMs: deps.heartbeatMs,
        bufferBytes: deps.bufferBytes,
        slowConsumerMs: deps.slowConsumerMs,
        signal: controller.signal,
        onError: deps.onError,
      });
    } finally {
      streams.done(controller);
    }
  });
}

function startCursor(text: string, log: StreamLog): Cursor {
  if (text === 'now') return { position: log.endPosition(), after: -1 };
  if (text === 'oldest') return { position: log.startPosition(), after: -1 };
  const cursor = parseCursor(text);
  if (!cursor) {
    throw new HttpError(400, `invalid stream position "${text}": use now, oldest, or an id this stream sent (like ${formatCursor({ position: 1234, after: 5 })})`);
  }
  return cursor;
}
