/**
 * The ingest path behind the Segment endpoints: normalize, then append one record to the durable
 * log and wait for its fsync. Only then does the caller acknowledge. Rejected items ride in the
 * same record so they reach the quarantine table as durably as accepted events.
 */
import type { EventRow, RejectedRow } from '../events/event-row.js';
import { toSqlTime } from '../events/event-row.js';
import { normalizeBatch, normalizeMessage, quarantinePayload, type BatchResult, type NormalizeContext } from '../events/normalize.js';
import { encodeRecord } from './log-record.js';
import { RateLimiter } from './rate-limiter.js';

export interface CollectorLog {
  append(payload: Buffer): Promise<{ position: number; next: number }>;
}

export interface CollectorOptions {
  readonly maxEventBytes: number;
  readonly quarantinePayloadChars: number;
  readonly rateLimitEventsPerSecond: number;
  readonly now?: () => number;
}

export type MessageType = 'track' | 'page' | 'screen' | 'identify' | 'alias' | 'group';

export interface IngestRequest {
  readonly projectId: string;
  readonly body: unknown;
  /** Single-message endpoints force the type; batch/import read it from each item. */
  readonly type?: MessageType;
  /** /v1/import: historical data, timestamps are taken as given. */
  readonly historical: boolean;
  readonly receivedAt: number;
}

export interface ItemError {
  readonly index: number;
  readonly reason: string;
  readonly errors: readonly string[];
}

export type IngestOutcome =
  | { readonly kind: 'stored'; readonly accepted: number; readonly rejected: readonly ItemError[]; readonly position: number }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number };

export class Collector {
  private readonly limiter: RateLimiter;
  private readonly now: () => number;

  constructor(private readonly log: CollectorLog, private readonly options: CollectorOptions) {
    this.now = options.now ?? Date.now;
    this.limiter = new RateLimiter(options.rateLimitEventsPerSecond, this.now);
  }

  /** Throws the log's error when it cannot accept writes (the HTTP layer answers 503). */
  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    const ctx: NormalizeContext = {
      projectId: req.projectId,
      receivedAt: req.receivedAt,
      maxEventBytes: this.options.maxEventBytes,
      maxPayloadChars: this.options.quarantinePayloadChars,
      historical: req.historical,
      ...(req.type ? { type: req.type } : {}),
    };
    const result = req.type ? single(req.body, ctx) : normalizeBatch(req.body, ctx);
    const cost = result.rows.length + result.rejected.length;
    const allowed = this.limiter.take(req.projectId, Math.max(1, cost));
    if (!allowed.ok) return { kind: 'rate_limited', retryAfterSeconds: allowed.retryAfterSeconds };
    const receivedAt = toSqlTime(req.receivedAt);
    const rejected: RejectedRow[] = result.rejected.map((r) => ({
      project_id: req.projectId,
      received_at: receivedAt,
      source: 'http',
      reason: r.reason,
      errors: [...r.errors],
      payload: r.payload,
      payload_truncated: r.payloadTruncated,
    }));
    const { position } = await this.log.append(encodeRecord({ v: 1, events: result.rows, rejected }));
    return {
      kind: 'stored',
      accepted: result.rows.length,
      rejected: result.rejected.map(({ index, reason, errors }) => ({ index, reason, errors })),
      position,
    };
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
    await this.log.append(encodeRecord({ v: 1, events, rejected: [row] }));
  }
}

/** A single-message endpoint's body as a one-item batch result. */
function single(body: unknown, ctx: NormalizeContext): BatchResult {
  const r = normalizeMessage(body, ctx);
  if (r.ok) return { rows: [r.row], rejected: [] };
  return { rows: [], rejected: [{ index: 0, reason: r.reason, errors: r.errors, ...quarantinePayload(body, ctx.maxPayloadChars) }] };
}
