/**
 * The CLI's side of `POST /v1/import/file`, used while a server holds the data directory: the
 * file is streamed (never read into memory) and progress comes back as NDJSON lines. node:http
 * rather than fetch, because fetch gives up waiting for an answer after 5 minutes and a large
 * import can take longer.
 */
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { ImportSpec } from './import-spec.js';
import type { ImportProgress, ImportSummary } from './import-summary.js';
import type { ImportPreview } from './preview.js';
import { ImportError } from './import-error.js';

export interface UploadOptions {
  readonly url: string;
  readonly adminKey: string;
  readonly projectId: string;
  readonly path: string;
  readonly spec: ImportSpec;
  readonly dryRunRows?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((p: ImportProgress) => void) | undefined;
}

export type UploadResult = { readonly summary: ImportSummary } | { readonly preview: ImportPreview };

export function uploadImport(o: UploadOptions): Promise<UploadResult> {
  const size = statSync(o.path).size;
  const qs = new URLSearchParams({ filename: basename(o.path), mapping: JSON.stringify(o.spec), progress: '1' });
  if (o.dryRunRows !== undefined) qs.set('dryRun', String(o.dryRunRows));
  const target = new URL(`/v1/import/file?${qs}`, o.url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<UploadResult>((resolve, reject) => {
    const req = send(target, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${o.adminKey}`,
        'x-clickpath-project': o.projectId,
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      },
      ...(o.signal ? { signal: o.signal } : {}),
    }, (res) => {
      readAnswer(res, o).then(resolve, reject);
    });
    req.on('error', (err) => reject(
      o.signal?.aborted ? new ImportError('interrupted while the server was importing; run the same command again to complete the import')
        : new ImportError(`cannot reach the server at ${o.url}: ${err.message}`),
    ));
    createReadStream(o.path).on('error', (err) => req.destroy(err)).pipe(req);
  });
}

async function readAnswer(res: IncomingMessage, o: UploadOptions): Promise<UploadResult> {
  if (res.statusCode !== 200) {
    let text = '';
    for await (const chunk of res) text += String(chunk);
    let message = text;
    try {
      message = String((JSON.parse(text) as { error?: unknown }).error ?? text);
    } catch {
      // not JSON: show it as it came
    }
    throw new ImportError(`the server refused the import (${res.statusCode}): ${message}`);
  }
  let result: UploadResult | undefined;
  for await (const line of createInterface({ input: res })) {
    if (line.trim() === '') continue;
    const msg = JSON.parse(line) as { progress?: ImportProgress; summary?: ImportSummary; preview?: ImportPreview; error?: string };
    if (msg.progress) o.onProgress?.(msg.progress);
    else if (msg.summary) result = { summary: msg.summary };
    else if (msg.preview) result = { preview: msg.preview };
    else if (msg.error !== undefined) throw new ImportError(msg.error);
  }
  if (!result) throw new ImportError('the server ended the answer before the import finished; run the same command again to complete it');
  return result;
}
