/**
 * The ingest path behind the Segment endpoints: prepare the request's log record (parse and
 * normalize, usually on a worker thread), then append it to the durable log and wait for its
 * fsync. Only then does the caller acknowledge. Rejected items ride in the same record so they
 * reach the quarantine table as durably as accepted events.
 */
import type { EventRow, RejectedRow } from '../events/event-row.js';
import { toSqlTime } from '../events/event-row.js';
import { encodeRecord } from '../records/log-record.js';
import type { RecordPreparer } from './prepare-pool.js';
import type { ItemError } from './prepare-record.js';
import { RateLimiter } from './rate-limiter.js';
import type { Backpressure } from './backpressure.js';

export type { ItemError } from './prepare-record.js';

export interface CollectorLog {
  append(payload: Buffer): Promise<{ position: number; next: number }>;
}

export interface CollectorOptions {
  readonly maxEventBytes: number;
  readonly quarantinePayloadChars: number;
  readonly rateLimitEventsPerSecond: number;
  readonly now?: () => number;
  /** Refuses writes (503) while the loader is too far behind; none: never. */
  readonly backpressure?: Backpressure;
}

export type MessageType = 'track' | 'page' | 'screen' | 'identify' | 'alias' | 'group';

export interface IngestRequest {
  readonly projectId: string;
  /** The request body as received (decompressed), not yet parsed. */
  readonly bytes: Uint8Array;
  /** Single-message endpoints force the type; batch/import read it from each item. */
  readonly type?: MessageType;
  /** /v1/import: historical data, timestamps are taken as given. */
  readonly historical: boolean;
  readonly receivedAt: number;
}

export type IngestOutcome =
  | { readonly kind: 'stored'; readonly accepted: number; readonly rejected: readonly ItemError[]; readonly position: number }
  | { readonly kind: 'invalid_json'; readonly message: string }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'overloaded'; readonly retryAfterSeconds: number; readonly message: string };

export class Collector {
  private readonly limiter: RateLimiter;
  private readonly now: () => number;

  constructor(
    private readonly log: CollectorLog,
    private readonly preparer: RecordPreparer,
    private readonly options: CollectorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.limiter = new RateLimiter(options.rateLimitEventsPerSecond, this.now);
  }

  /** Throws the log's error when it cannot accept writes (the HTTP layer answers 503). */
  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    // Checked before the work of preparing: under a flood, refusing must be the cheap path.
    const overloaded = this.options.backpressure?.check(req.projectId);
    if (overloaded) return { kind: 'overloaded', ...overloaded };
    const prepared = await this.preparer.prepare(req.bytes, {
      projectId: req.projectId,
      receivedAt: req.receivedAt,
      maxEventBytes: this.options.maxEventBytes,
      maxPayloadChars: this.options.quarantinePayloadChars,
      historical: req.historical,
      source: 'http',
      ...(req.type ? { type: req.type } : {}),
    });
    if (prepared.kind === 'invalid_json') return prepared;
    const cost = prepared.accepted + prepared.rejected.length;
    const allowed = this.limiter.take(req.projectId, Math.max(1, cost));
    if (!allowed.ok) return { kind: 'rate_limited', retryAfterSeconds: allowed.retryAfterSeconds };
    const { position, next } = await this.log.append(prepared.record);
    this.options.backpressure?.noteAppend(req.projectId, next, prepared.record.length);
    return { kind: 'stored', accepted: prepared.accepted, rejected: prepared.rejected, position };
  }

  /**
   * Quarantines a request that never reached normalization (bad JSON, oversize body, unknown key),
   * so nothing rejected vanishes. Durable like an event.
   */
  async quarantine(item: { projectId: string; reason: string; errors: string[]; payload: string; receivedAt: number }): Promise<void> {
    const max = this.options.quarantinePayloadChars;
    const row: RejectedRow = {
      project_id: item.projectId,
      received_at: toSqlTime(item.receivedAt),
      source: 'http',
      reason: item.reason,
      errors: item.errors,
      payload: item.payload.length > max ? item.payload.slice(0, max) : item.payload,
      payload_truncated: item.payload.length > max,
    };
    const events: EventRow[] = [];
    const record = encodeRecord({ v: 1, events, rejected: [row] });
    const { next } = await this.log.append(record);
    this.options.backpressure?.noteAppend(item.projectId, next, record.length);
  }
}
