/**
 * What one log record holds: the accepted rows and the quarantined items of one request, already
 * normalized, so the loader only moves bytes into the store. One record per request keeps the
 * acknowledgement atomic: a request's events are durable together or not at all.
 *
 * Layout (UTF-8 text): a header line of JSON, then one line of JSON per event row. The header
 * carries what the loader must know without parsing rows (ids for deduplication, identity facts),
 * so the loader hands row text to the engine as it is, adding only the log position.
 */
import type { EventRow, RejectedRow } from '../events/event-row.js';
import { identityRows, type AliasRow, type PersonPropertyRow } from './identity.js';

export interface LogRecordBody {
  readonly v: 1;
  readonly events: readonly EventRow[];
  readonly rejected: readonly RejectedRow[];
}

/** Identity facts tagged with the index of the row they came from. */
export type Indexed<T> = T & { readonly i: number };

interface Header {
  readonly v: 2;
  readonly rejected: readonly RejectedRow[];
  /** [project_id, event_id] per row, in row order. */
  readonly keys: ReadonlyArray<readonly [string, string]>;
  readonly aliases: ReadonlyArray<Indexed<AliasRow>>;
  readonly properties: ReadonlyArray<Indexed<PersonPropertyRow>>;
}

export function encodeRecord(body: LogRecordBody): Buffer {
  const aliases: Array<Indexed<AliasRow>> = [];
  const properties: Array<Indexed<PersonPropertyRow>> = [];
  body.events.forEach((e, i) => {
    // Most events carry no identity fact; skip the allocation for them on the ingest hot path.
    if (e.type !== 'identify' && e.type !== 'alias' && (e.user_id === '' || e.anonymous_id === '')) return;
    const facts = identityRows([e]);
    for (const a of facts.aliases) aliases.push({ ...a, i });
    for (const p of facts.properties) properties.push({ ...p, i });
  });
  const header: Header = { v: 2, rejected: body.rejected, keys: body.events.map((e) => [e.project_id, e.event_id] as const), aliases, properties };
  const lines = [JSON.stringify(header)];
  for (const e of body.events) lines.push(JSON.stringify(e));
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** The record as the loader needs it: row text untouched. */
export interface LoadableRecord {
  readonly rejected: readonly RejectedRow[];
  readonly keys: ReadonlyArray<readonly [string, string]>;
  readonly aliases: ReadonlyArray<Indexed<AliasRow>>;
  readonly properties: ReadonlyArray<Indexed<PersonPropertyRow>>;
  /** One JSON object per event row, without its log position. */
  readonly rows: readonly string[];
}

/**
 * The loader and the live tail read the same records (the same Buffers, from the log's memory)
 * moments apart: decode each once.
 */
const decoded = new WeakMap<Buffer, LoadableRecord>();

export function decodeForLoad(payload: Buffer, position: number): LoadableRecord {
  const known = decoded.get(payload);
  if (known) return known;
  const record = decodeUncached(payload, position);
  decoded.set(payload, record);
  return record;
}

function decodeUncached(payload: Buffer, position: number): LoadableRecord {
  const text = payload.toString('utf8');
  const lines = text.split('\n');
  const header = parseHeader(lines[0] ?? '', position);
  const rows = lines.slice(1);
  if (rows.length !== header.keys.length) {
    throw new Error(`log record at position ${position} has ${rows.length} rows but ${header.keys.length} keys`);
  }
  return { ...header, rows };
}

/** Full decode (live counters, the stream): every row parsed. */
export function decodeRecord(payload: Buffer, position: number): LogRecordBody {
  const r = decodeForLoad(payload, position);
  const events = r.rows.map((line, i) => {
    try {
      return JSON.parse(line) as EventRow;
    } catch (err) {
      throw new Error(`log record at position ${position}, row ${i} is not valid JSON: ${(err as Error).message}`);
    }
  });
  return { v: 1, events, rejected: r.rejected };
}

/** A row's JSON with its log position added as the first field (rows are never empty objects). */
export function withLogPosition(row: string, position: number): string {
  return `{"log_position":${position},${row.slice(1)}`;
}

function parseHeader(line: string, position: number): Header {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new Error(`log record at position ${position} has no valid header: ${(err as Error).message}`);
  }
  // Hand-checked rather than schema-validated: this runs for every record on the load path, and
  // the bytes were written by encodeRecord and are covered by the log's checksum.
  if (!isHeader(parsed)) throw new Error(`log record at position ${position} has an unknown header: ${line.slice(0, 200)}`);
  return parsed;
}

function isHeader(v: unknown): v is Header {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  return h.v === 2 && Array.isArray(h.rejected) && Array.isArray(h.keys) && Array.isArray(h.aliases) && Array.isArray(h.properties)
    && h.keys.every((k) => Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string');
}
