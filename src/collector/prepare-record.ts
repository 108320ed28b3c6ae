/**
 * Request bytes → the log record to append: parse, normalize every item, encode. Pure and
 * synchronous, so it runs the same on the request thread or in a worker (prepare-pool.ts).
 */
import { toSqlTime, type RejectedRow } from '../events/event-row.js';
import { normalizeBatch, normalizeMessage, quarantinePayload, type BatchResult, type NormalizeContext } from '../events/normalize.js';
import { encodeRecord } from '../records/log-record.js';
import { mayHoldSurrogateEscape, wellFormed } from '../events/json-limits.js';

export interface ItemError {
  readonly index: number;
  readonly reason: string;
  readonly errors: readonly string[];
}

export interface PrepareInput extends NormalizeContext {
  /** Where rejected items say they came from in the quarantine. */
  readonly source: RejectedRow['source'];
}

export type Prepared =
  | { readonly kind: 'invalid_json'; readonly message: string }
  | {
      readonly kind: 'record';
      /** The encoded log record (accepted rows and quarantined items). */
      readonly record: Buffer;
      readonly accepted: number;
      readonly rejected: readonly ItemError[];
    };

/** Parses a JSON request body, or says in words a person can act on why it cannot be read. */
export function parseJsonBody(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; message: string } {
  if (bytes.length === 0) return { ok: false, message: 'request body is empty; send a JSON object' };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `request body is not valid JSON: ${(err as Error).message}` };
  }
  // Only a `\uD8xx` escape can produce a lone surrogate: UTF-8 decoding already turned invalid
  // bytes into U+FFFD. Most bodies skip the walk.
  return { ok: true, value: mayHoldSurrogateEscape(text) ? wellFormed(value) : value };
}

export function prepareRecord(bytes: Uint8Array, input: PrepareInput): Prepared {
  const parsed = parseJsonBody(bytes);
  if (!parsed.ok) return { kind: 'invalid_json', message: parsed.message };
  const result = input.type ? single(parsed.value, input) : normalizeBatch(parsed.value, input);
  const receivedAt = toSqlTime(input.receivedAt);
  const rejected: RejectedRow[] = result.rejected.map((r) => ({
    project_id: input.projectId,
    received_at: receivedAt,
    source: input.source,
    reason: r.reason,
    errors: [...r.errors],
    payload: r.payload,
    payload_truncated: r.payloadTruncated,
  }));
  return {
    kind: 'record',
    record: encodeRecord({ v: 1, events: result.rows, rejected }),
    accepted: result.rows.length,
    rejected: result.rejected.map(({ index, reason, errors }) => ({ index, reason, errors })),
  };
}

/** A single-message endpoint's body as a one-item batch result. */
function single(body: unknown, ctx: NormalizeContext): BatchResult {
  const r = normalizeMessage(body, ctx);
  if (r.ok) return { rows: [r.row], rejected: [] };
  return { rows: [], rejected: [{ index: 0, reason: r.reason, errors: r.errors, ...quarantinePayload(body, ctx.maxPayloadChars) }] };
}
