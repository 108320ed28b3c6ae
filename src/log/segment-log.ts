/**
 * The durable log between the HTTP collector and the loader. The collector acknowledges an event
 * only after `append` resolves, which happens only after the record's bytes are fsynced; the
 * loader reads only fsynced records. Positions are byte offsets across all segments (Kafka
 * style), so a position names one record for the life of the log, also after old segments are
 * deleted.
 *
 * Appends are group-committed: while one write+fdatasync is in flight, new appends queue up and
 * the next flush writes them all with one write and one fdatasync, so throughput grows with
 * concurrency instead of being capped at one fsync per request.
 */
import { access, mkdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DirLock } from './dir-lock.js';
import { LogClosedError, LogFullError, LogRecordTooLargeError, LogWriteError } from './errors.js';
import { MAX_PAYLOAD_BYTES, encodeRecords, frameBytes, segmentName } from './record-format.js';
import { checkLimits, readDurable, type ReadLimits, type ReadResult } from './segment-read.js';
import { PositionWaiters } from './position-waiters.js';
import { RecentRecords } from './recent-records.js';
import { createSegment, fsyncDir, recoverSegments, writeFully, type Segment } from './segment-files.js';

export type { LogRecord, ReadLimits, ReadResult } from './segment-read.js';

const optionsSchema = z.object({
  /** Roll to a new segment once the active one would grow past this many bytes. */
  segmentBytes: z.number().int().positive(),
  /** Appends fail fast with LogFullError once this many bytes are waiting for the disk. */
  maxPendingBytes: z.number().int().positive(),
  /** Extra wait before flushing into an idle log, to gather more appends per fsync. */
  groupDelayMs: z.number().min(0),
  /**
   * Recently fsynced records are kept in memory up to this many payload bytes, so readers that
   * follow the end of the log (the loader, live counters, streams) never go back to the disk.
   */
  readCacheBytes: z.number().int().min(0),
});
export type LogOptions = z.infer<typeof optionsSchema>;

const DEFAULT_OPTIONS: LogOptions = { segmentBytes: 64 * 1024 * 1024, maxPendingBytes: 64 * 1024 * 1024, groupDelayMs: 0, readCacheBytes: 64 * 1024 * 1024 };

export interface AppendResult {
  readonly position: number;
  readonly next: number;
}

export interface LogStats {
  readonly pendingBytes: number;
  readonly pendingRecords: number;
  readonly segments: number;
  readonly startPosition: number;
  readonly endPosition: number;
  readonly fsyncs: number;
  readonly appendedRecords: number;
  readonly writeErrors: number;
  /** Torn or corrupt bytes cut off the last segment when this log was opened. */
  readonly recoveredTailBytes: number;
}

interface PendingAppend {
  readonly payload: Buffer;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (err: Error) => void;
}

export class SegmentLog {
  private queue: PendingAppend[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private inFlight: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  /** A failed write may have left bytes past the durable end; they must go before the next write. */
  private dirtyTail = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly waiters = new PositionWaiters();
  private fsyncs = 0;
  private appendedRecords = 0;
  private writeErrors = 0;
  private readonly recent: RecentRecords;

  private constructor(
    readonly dir: string,
    private readonly options: LogOptions,
    private readonly lock: DirLock,
    private readonly segments: Segment[],
    private active: FileHandle,
    private readonly recoveredTailBytes: number,
  ) {
    this.recent = new RecentRecords(options.readCacheBytes);
  }

  static async open(dir: string, options: Partial<LogOptions> = {}): Promise<SegmentLog> {
    const parsed = optionsSchema.safeParse({ ...DEFAULT_OPTIONS, ...options });
    if (!parsed.success) throw new Error(`invalid log options: ${z.prettifyError(parsed.error)}`);
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new Error(
        `log directory ${dir} is not usable (${(err as Error).message}); point the data directory at a writable folder`,
      );
    }
    const lock = await DirLock.acquire(dir);
    try {
      const { segments, active, truncatedBytes } = await recoverSegments(dir);
      return new SegmentLog(dir, parsed.data, lock, segments, active, truncatedBytes);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Position after the last durable record. */
  endPosition(): number {
    const last = this.segments[this.segments.length - 1]!;
    return last.base + last.size;
  }

  /** Position of the oldest retained record. */
  startPosition(): number {
    return this.segments[0]!.base;
  }

  /**
   * Resolves once the record is written and fsynced. The log holds on to `payload` until then,
   * so the caller must not modify it meanwhile.
   */
  append(payload: Buffer): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new LogClosedError('append'));
    const bytes = frameBytes(payload);
    if (payload.length > MAX_PAYLOAD_BYTES || bytes > this.options.maxPendingBytes) {
      return Promise.reject(new LogRecordTooLargeError(bytes, Math.min(this.options.maxPendingBytes, MAX_PAYLOAD_BYTES)));
    }
    if (this.pendingBytes + bytes > this.options.maxPendingBytes) {
      return Promise.reject(new LogFullError(this.pendingBytes, this.options.maxPendingBytes));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ payload, resolve, reject });
      this.pendingBytes += bytes;
      this.pendingRecords += 1;
      this.schedule(this.options.groupDelayMs);
    });
  }

  /** Reads complete, durable records starting at `from`, which must be a record boundary. */
  read(from: number, limits: ReadLimits): Promise<ReadResult> {
    try {
      checkLimits(limits);
    } catch (err) {
      return Promise.reject(err);
    }
    if (from >= this.startPosition()) {
      const cached = this.recent.read(from, this.endPosition(), limits);
      if (cached) return Promise.resolve(cached);
    }
    return readDurable(this.dir, this.segments, from, limits);
  }

  /** Resolves once the durable end is past `after`; rejects with the signal's reason on abort. */
  waitForAppend(after: number, signal?: AbortSignal): Promise<void> {
    if (this.endPosition() > after) return Promise.resolve();
    if (this.closed) return Promise.reject(new LogClosedError('wait for appends'));
    return this.waiters.wait(after, signal);
  }

  /** Deletes whole segments that end at or before `position`; the active segment always stays. */
  async deleteBefore(position: number): Promise<number> {
    const doomed: Segment[] = [];
    // Drop them from the list first so a concurrent read reports a clean "deleted" error.
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.size <= position) {
      doomed.push(this.segments.shift()!);
    }
    for (const segment of doomed) await unlink(join(this.dir, segmentName(segment.base)));
    if (doomed.length > 0) await fsyncDir(this.dir);
    return doomed.length;
  }

  stats(): LogStats {
    return {
      pendingBytes: this.pendingBytes,
      pendingRecords: this.pendingRecords,
      segments: this.segments.length,
      startPosition: this.startPosition(),
      endPosition: this.endPosition(),
      fsyncs: this.fsyncs,
      appendedRecords: this.appendedRecords,
      writeErrors: this.writeErrors,
      recoveredTailBytes: this.recoveredTailBytes,
    };
  }

  /** Flushes pending appends, then releases the directory. Appends after this call reject. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = this.drainAndRelease();
    return this.closing;
  }

  private async drainAndRelease(): Promise<void> {
    for (;;) {
      this.cancelTimer?.();
      this.cancelTimer = undefined;
      if (this.inFlight) await this.inFlight;
      else if (this.queue.length > 0) this.startFlush();
      else break;
    }
    this.waiters.rejectAll(new LogClosedError('wait for appends'));
    try {
      await this.active.close();
    } finally {
      await this.lock.release();
    }
  }

  private schedule(delayMs: number): void {
    if (this.inFlight || this.cancelTimer) return;
    const run = (): void => {
      this.cancelTimer = undefined;
      if (!this.inFlight && this.queue.length > 0) this.startFlush();
    };
    // setImmediate rather than flushing synchronously: appends issued in the same tick (a batch
    // request fanned out, or many requests parsed in one I/O phase) then share the first fsync.
    if (delayMs > 0) {
      const timer = setTimeout(run, delayMs);
      this.cancelTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      this.cancelTimer = () => clearImmediate(immediate);
    }
  }

  private startFlush(): void {
    this.inFlight = this.flush().finally(() => {
      this.inFlight = undefined;
      // Whatever queued during that fsync has already waited one flush: go again without delay.
      if (this.queue.length > 0 && !this.closed) this.schedule(0);
    });
  }

  /** Writes every queued record: per segment touched, one write and one fdatasync. */
  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    let done = 0;
    try {
      if (this.dirtyTail) await this.cutDirtyTail();
      while (done < batch.length) {
        let segment = this.segments[this.segments.length - 1]!;
        if (segment.size > 0 && segment.size + frameBytes(batch[done]!.payload) > this.options.segmentBytes) {
          segment = await this.roll();
        }
        // At least one record per segment, so a record larger than segmentBytes gets its own.
        let end = done + 1;
        let bytes = frameBytes(batch[done]!.payload);
        while (end < batch.length && segment.size + bytes + frameBytes(batch[end]!.payload) <= this.options.segmentBytes) {
          bytes += frameBytes(batch[end]!.payload);
          end += 1;
        }
        const chunk = batch.slice(done, end);
        const encoded = encodeRecords(chunk.map((p) => p.payload), bytes);
        this.dirtyTail = true;
        // A failed write leaves the cache ahead of nothing: it only ever holds fsynced records.
        await writeFully(this.active, encoded, segment.size);
        await this.active.datasync();
        this.dirtyTail = false;
        this.fsyncs += 1;
        let position = segment.base + segment.size;
        segment.size += bytes;
        for (const pending of chunk) {
          const next = position + frameBytes(pending.payload);
          this.settle(pending);
          this.recent.add({ position, next, payload: pending.payload });
          pending.resolve({ position, next });
          position = next;
        }
        this.appendedRecords += chunk.length;
        done = end;
        this.waiters.wake(this.endPosition());
      }
    } catch (err) {
      this.writeErrors += 1;
      const error = new LogWriteError(
        `could not write to the log in ${this.dir} (${(err as Error).message}); the records were not stored`,
        { cause: err },
      );
      for (const pending of batch.slice(done)) {
        this.settle(pending);
        pending.reject(error);
      }
    }
  }

  private settle(pending: PendingAppend): void {
    this.pendingBytes -= frameBytes(pending.payload);
    this.pendingRecords -= 1;
  }

  /**
   * Cuts bytes a failed write left past the durable end, and makes the cut durable, so that the
   * next records land right after the last acknowledged one and a crash cannot resurrect the
   * rejected bytes between acknowledged records.
   */
  private async cutDirtyTail(): Promise<void> {
    const segment = this.segments[this.segments.length - 1]!;
    await this.active.truncate(segment.size);
    await this.active.datasync();
    this.dirtyTail = false;
  }

  private async roll(): Promise<Segment> {
    const last = this.segments[this.segments.length - 1]!;
    const segment: Segment = { base: last.base + last.size, size: 0 };
    const file = await createSegment(this.dir, segment.base);
    const previous = this.active;
    this.active = file;
    this.segments.push(segment);
    // The previous segment is fully fsynced; a failing close cannot lose acknowledged data.
    await previous.close().catch(() => undefined);
    return segment;
  }
}
