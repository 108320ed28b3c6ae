/**
 * Request bodies arrive as bytes so the edge can measure, decompress and quarantine them before
 * trusting them. Browser SDKs send JSON as text/plain (to skip CORS preflight), so both are JSON.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import { parseJsonBody } from '../collector/prepare-record.js';

export function registerRawBody(app: FastifyInstance, readLimitBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: readLimitBytes }, (_req, body, done) => {
    done(null, body);
  });
}

export function rawBody(req: FastifyRequest, maxBytes: number): Buffer {
  const body = req.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (!Buffer.isBuffer(body)) throw new HttpError(400, 'unreadable request body');
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  try {
    if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: maxBytes + 1 });
    if (encoding === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `decompressed body is larger than ${maxBytes} bytes`);
    }
    throw new HttpError(400, `body is not valid ${encoding} data: ${(err as Error).message}`);
  }
  throw new HttpError(415, `unsupported content-encoding "${encoding}" (use gzip, deflate or none)`);
}

/** Parses a JSON body or throws a 400 that says where it broke. */
export function parseJson(bytes: Buffer): unknown {
  const parsed = parseJsonBody(bytes);
  if (!parsed.ok) throw new HttpError(400, parsed.message);
  return parsed.value;
}

export function jsonBody(req: FastifyRequest, maxBytes: number): unknown {
  const bytes = rawBody(req, maxBytes);
  if (bytes.length > maxBytes) throw new HttpError(413, `request body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  return parseJson(bytes);
}
