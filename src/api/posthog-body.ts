/**
 * Decodes a PostHog capture request the way PostHog's capture endpoint accepts it:
 *  - JSON: one event `{event, distinct_id, ...}`, an array of events, or `{api_key, batch, sent_at}`;
 *  - gzip: `Content-Encoding: gzip` (posthog-node; undone by rawBody), `?compression=gzip-js` or
 *    `gzip`, or simply a body that starts with the gzip magic bytes (posthog-js sends text/plain);
 *  - form bodies: `data=<base64 of the JSON>` urlencoded (posthog-js with `compression=base64`,
 *    and its sendBeacon fallback), also `data=<JSON>`; a bare base64 body with `compression=base64`.
 * The key may sit in the body (`api_key`, `token`), in each event (`api_key`, `token`,
 * `properties.token`) or in the query (`api_key`, `token`).
 */
import { gunzipSync } from 'node:zlib';
import { HttpError } from './http-error.js';
import { parseJsonBody } from '../collector/prepare-record.js';
import { isJsonObject } from '../events/json-values.js';

export interface PosthogRequest {
  readonly events: readonly unknown[];
  /** The request-wide key (body or query), if any. */
  readonly apiKey: string | undefined;
  readonly sentAt: string | undefined;
  /** posthog-node's `historicalMigration`: timestamps taken as given (like /v1/import). */
  readonly historical: boolean;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `decompressed body is larger than ${maxBytes} bytes`);
    throw new HttpError(400, `body is not valid gzip data: ${(err as Error).message}`);
  }
}

function fromBase64(text: string): Buffer {
  // Form decoding turns an unescaped '+' into a space; base64 never contains spaces.
  const clean = text.replace(/ /g, '+').replace(/[\r\n\t]/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw new HttpError(400, 'body "data" is neither JSON nor base64');
  return Buffer.from(clean, clean.includes('-') || clean.includes('_') ? 'base64url' : 'base64');
}

function queryText(query: unknown, key: string): string | undefined {
  const v = isJsonObject(query) ? query[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Bytes (Content-Encoding already undone) → the decoded JSON value of a PostHog body. */
export function decodePosthogJson(input: Buffer, contentType: string, query: unknown, maxBytes: number): unknown {
  const compression = (queryText(query, 'compression') ?? '').toLowerCase();
  let bytes = input;
  if (isGzip(bytes) || ((compression === 'gzip-js' || compression === 'gzip') && bytes.length > 0 && bytes[0] !== 0x7b && bytes[0] !== 0x5b)) {
    bytes = gunzip(bytes, maxBytes);
  }
  if (bytes.length > maxBytes) throw new HttpError(413, `request body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  let text = bytes.toString('utf8');
  const trimmed = text.trimStart();
  const isForm = /application\/x-www-form-urlencoded/i.test(contentType) || /^data=/.test(trimmed);
  if (isForm) {
    const form = new URLSearchParams(text);
    const data = form.get('data');
    if (data === null) throw new HttpError(400, 'form body without a "data" field');
    if (/^\s*[[{]/.test(data)) text = data;
    else {
      let decoded = fromBase64(data);
      if (isGzip(decoded)) decoded = gunzip(decoded, maxBytes);
      text = decoded.toString('utf8');
    }
  } else if (compression === 'base64' && !/^[[{]/.test(trimmed)) {
    text = fromBase64(trimmed).toString('utf8');
  }
  const parsed = parseJsonBody(Buffer.from(text, 'utf8'));
  if (!parsed.ok) throw new HttpError(400, parsed.message);
  return parsed.value;
}

export function decodePosthogRequest(input: Buffer, contentType: string, query: unknown, maxBytes: number): PosthogRequest {
  const value = decodePosthogJson(input, contentType, query, maxBytes);
  const queryKey = queryText(query, 'api_key') ?? queryText(query, 'token');
  if (Array.isArray(value)) return { events: value, apiKey: queryKey, sentAt: undefined, historical: false };
  if (!isJsonObject(value)) throw new HttpError(400, 'body must be a PostHog event, an array of events or {"api_key", "batch": [...]}');
  const bodyKey = typeof value.api_key === 'string' && value.api_key !== '' ? value.api_key : typeof value.token === 'string' && value.token !== '' ? value.token : undefined;
  const sentAt = typeof value.sent_at === 'string' ? value.sent_at : undefined;
  const historical = value.historical_migration === true;
  if (Array.isArray(value.batch)) return { events: value.batch, apiKey: bodyKey ?? queryKey, sentAt, historical };
  if ('batch' in value) throw new HttpError(400, 'batch: must be an array of events');
  return { events: [value], apiKey: bodyKey ?? queryKey, sentAt, historical };
}

/** The key an event is sent with: the request's, else the event's own. */
export function eventKey(request: PosthogRequest, event: unknown): string | undefined {
  if (request.apiKey) return request.apiKey;
  if (!isJsonObject(event)) return undefined;
  for (const v of [event.api_key, event.token, isJsonObject(event.properties) ? event.properties.token : undefined]) {
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}
