/**
 * What one log record holds: the accepted rows and the quarantined items of one request, already
 * normalized, so the loader only moves bytes into the store. One record per request keeps the
 * acknowledgement atomic: a request's events are durable together or not at all.
 */
import { z } from 'zod';
import type { EventRow, RejectedRow } from '../events/event-row.js';

export interface LogRecordBody {
  readonly v: 1;
  readonly events: readonly EventRow[];
  readonly rejected: readonly RejectedRow[];
}

const bodySchema = z.object({
  v: z.literal(1),
  events: z.array(z.record(z.string(), z.unknown())),
  rejected: z.array(z.record(z.string(), z.unknown())),
});

export function encodeRecord(body: LogRecordBody): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function decodeRecord(payload: Buffer, position: number): LogRecordBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new Error(`log record at position ${position} is not valid JSON: ${(err as Error).message}`);
  }
  const result = bodySchema.safeParse(parsed);
  if (!result.success) throw new Error(`log record at position ${position} has an unknown shape: ${result.error.message}`);
  return result.data as unknown as LogRecordBody;
}
