/**
 * Iterates over the log in batches from a position, optionally following it as it grows. The
 * loader uses the batches (and checkpoints `end` after loading each); a live stream follows.
 */
import type { LogRecord, ReadLimits, ReadResult, SegmentLog } from './segment-log.js';

export interface BatchOptions extends Partial<ReadLimits> {
  /** Keep waiting for new records at the end of the log instead of finishing there. */
  readonly follow?: boolean;
  /** Ends a following iteration: the pending wait rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const DEFAULT_LIMITS: ReadLimits = { maxRecords: 1000, maxBytes: 4 * 1024 * 1024 };

/** Non-empty batches of consecutive records starting at `from`. */
export async function* readBatches(log: SegmentLog, from: number, options: BatchOptions = {}): AsyncGenerator<ReadResult> {
  const limits: ReadLimits = {
    maxRecords: options.maxRecords ?? DEFAULT_LIMITS.maxRecords,
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
  };
  let position = from;
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await log.read(position, limits);
    if (batch.records.length > 0) {
      yield batch;
      position = batch.end;
      continue;
    }
    if (!options.follow) return;
    await log.waitForAppend(position, options.signal);
  }
}

/** Records one by one, starting at `from`. */
export async function* readRecords(log: SegmentLog, from: number, options: BatchOptions = {}): AsyncGenerator<LogRecord> {
  for await (const batch of readBatches(log, from, options)) yield* batch.records;
}
