/**
 * `POST /v1/import/file`: the body is a file (CSV, TSV, NDJSON, Parquet; optionally gzip
 * content-encoded), the mapping a JSON object in the `mapping` query parameter or the
 * `x-clickpath-mapping` header. The file is streamed to a temporary file (never held in memory)
 * and imported by the same importer as `clickpath import`.
 *
 * Answers: 200 with the summary; 422 with the summary when more rows are bad than maxErrors
 * allows (nothing stored); 400 for a bad mapping or unreadable file; 413 over the size limit.
 * With `?progress=1` the answer is NDJSON instead: `{"progress":…}` lines while the import runs,
 * then one `{"summary":…}` (or `{"preview":…}`, or `{"error":…}`) line. A client that disconnects
 * stops the import between two chunks; running it again completes it.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import type { Auth } from '../auth.js';
import { HttpError, parseOr400 } from '../http-error.js';
import { ImportError } from '../../importer/import-error.js';
import { compressionSuffix, parseImportSpec, type ImportSpec } from '../../importer/import-spec.js';
import { runImport } from '../../importer/import-runner.js';
import { previewImport } from '../../importer/preview.js';
import type { ImportSummary } from '../../importer/import-summary.js';

export interface ImportFileRouteDeps {
  readonly store: Store;
  readonly auth: Auth;
  /** Largest accepted file (after content-decoding), in bytes. */
  readonly maxFileBytes?: number;
  /** Quarantined rows keep this many characters of their raw text. */
  readonly payloadChars?: number;
  readonly now?: () => number;
}

export const DEFAULT_MAX_IMPORT_BYTES = 1024 * 1024 * 1024;

const querySchema = z.object({
  filename: z.string().min(1).max(1000).optional(),
  mapping: z.string().max(64 * 1024).optional(),
  dryRun: z.coerce.number().int().min(1).max(10_000).optional(),
  progress: z.enum(['0', '1', 'true', 'false']).optional(),
});

function specFrom(req: FastifyRequest, mappingParam: string | undefined): ImportSpec {
  const header = req.headers['x-clickpath-mapping'];
  const text = mappingParam ?? (typeof header === 'string' ? header : undefined);
  if (text === undefined) throw new HttpError(400, 'send the mapping as JSON in the "mapping" query parameter or the x-clickpath-mapping header');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `mapping is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseImportSpec(json);
  } catch (err) {
    if (err instanceof ImportError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Streams the body to `path`, decoding gzip/deflate, refusing more than `max` bytes. */
async function saveBody(req: FastifyRequest, path: string, max: number): Promise<void> {
  const body = req.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') throw new HttpError(400, 'send the file as the request body');
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoders = encoding === 'gzip' ? [createGunzip()] : encoding === 'deflate' ? [createInflate()] : encoding === 'identity' || encoding === '' ? [] : undefined;
  if (!decoders) throw new HttpError(415, `unsupported content-encoding "${encoding}" (use gzip, deflate or none)`);
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new HttpError(413, `the file is larger than ${max} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline([body, ...decoders, limit, createWriteStream(path)]);
  } catch (err) {
    body.resume();
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `could not read the uploaded file: ${(err as Error).message}`);
  }
  if (seen === 0) throw new HttpError(400, 'the uploaded file is empty');
}

function asHttpError(err: unknown): unknown {
  return err instanceof ImportError ? new HttpError(err.status, err.message) : err;
}

export function registerImportFileRoute(app: FastifyInstance, deps: ImportFileRouteDeps): void {
  const maxBytes = deps.maxFileBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  // Own scope: the body arrives as a stream instead of the buffer every other route reads.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/v1/import/file', (req, reply) => handle(req, reply, deps, maxBytes));
  });
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: ImportFileRouteDeps, maxBytes: number): Promise<unknown> {
  const project = deps.auth.secret(req);
  const q = parseOr400(querySchema, req.query, 'query string');
  const spec = specFrom(req, q.mapping);
  const fileName = q.filename !== undefined ? basename(q.filename) : 'upload';
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-upload-'));
  const path = join(dir, `upload${compressionSuffix(fileName)}`);
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  const common = { store: deps.store, project, path, fileName, spec, payloadChars: deps.payloadChars, now: deps.now };
  try {
    await saveBody(req, path, maxBytes);
    if (q.progress === '1' || q.progress === 'true') return await streamed(reply, async (send) => {
      if (q.dryRun !== undefined) send({ preview: await previewImport(common, q.dryRun) });
      else send({ summary: await runImport({ ...common, signal: abort.signal, onProgress: (p) => send({ progress: p }) }) });
    });
    if (q.dryRun !== undefined) return { preview: await previewImport(common, q.dryRun) };
    const summary: ImportSummary = await runImport({ ...common, signal: abort.signal });
    if (summary.outcome === 'too_many_errors') reply.code(422);
    return { summary };
  } catch (err) {
    throw asHttpError(err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** NDJSON answer: the status is sent before the outcome is known, so errors become a line too. */
async function streamed(reply: FastifyReply, work: (send: (line: object) => void) => Promise<void>): Promise<FastifyReply> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const send = (line: object) => {
    if (!res.destroyed) res.write(JSON.stringify(line) + '\n');
  };
  try {
    await work(send);
  } catch (err) {
    const e = asHttpError(err);
    if (e instanceof HttpError) send({ error: e.message, status: e.status });
    else {
      reply.log.error({ err }, 'import failed');
      send({ error: 'internal error; the server log has the details', status: 500 });
    }
  } finally {
    res.end();
  }
  return reply;
}
