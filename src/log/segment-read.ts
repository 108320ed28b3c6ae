/**
 * Reading durable records out of segment files. Reads are bounded by the segment sizes as they
 * were when the read started, and those sizes only ever cover fsynced records, so a reader can
 * never see a record whose append has not been acknowledged.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogCorruptError, LogRangeError } from './errors.js';
import { FileWindow, readRecordAt, segmentName } from './record-format.js';
import type { Segment } from './segment-files.js';

export interface ReadLimits {
  /** At most this many records. */
  readonly maxRecords: number;
  /**
   * At most this many payload bytes, except that the first record is always returned whole:
   * otherwise one record larger than the limit would stall its reader forever.
   */
  readonly maxBytes: number;
}

export interface LogRecord {
  readonly position: number;
  /** Position of the record after this one: where the next read continues. */
  readonly next: number;
  readonly payload: Buffer;
}

export interface ReadResult {
  readonly records: LogRecord[];
  /** Position after the last returned record (`from` when none were returned). */
  readonly end: number;
}

/** Index of the segment holding `position` (the last one whose base is at or before it). */
function segmentIndex(segments: readonly Segment[], position: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (segments[mid]!.base <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

async function openSegment(dir: string, base: number, position: number): Promise<FileHandle> {
  try {
    return await open(join(dir, segmentName(base)), 'r');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      throw new LogRangeError(`position ${position} was deleted from the log while it was being read`);
    }
    throw err;
  }
}

export function checkLimits(limits: ReadLimits): void {
  if (!Number.isInteger(limits.maxRecords) || limits.maxRecords < 1 || !(limits.maxBytes >= 0)) {
    throw new RangeError(`read limits must be maxRecords >= 1 and maxBytes >= 0, got ${JSON.stringify(limits)}`);
  }
}

export async function readDurable(
  dir: string,
  liveSegments: readonly Segment[],
  from: number,
  limits: ReadLimits,
): Promise<ReadResult> {
  checkLimits(limits);
  // Snapshot: appends grow the active segment's size and deletions shift the list meanwhile.
  const segments = liveSegments.map((s) => ({ base: s.base, size: s.size }));
  const start = segments[0]!.base;
  const last = segments[segments.length - 1]!;
  const end = last.base + last.size;
  if (!Number.isSafeInteger(from)) throw new LogRangeError(`position ${from} is not a valid log position`);
  if (from < start) {
    throw new LogRangeError(`position ${from} was deleted from the log; the oldest retained position is ${start}`);
  }
  if (from > end) throw new LogRangeError(`position ${from} is beyond the end of the log (${end})`);

  const records: LogRecord[] = [];
  let payloadBytes = 0;
  let position = from;
  for (let i = segmentIndex(segments, from); i < segments.length && position < end; i++) {
    const segment = segments[i]!;
    const segmentEnd = segment.base + segment.size;
    if (position >= segmentEnd) continue;
    const file = await openSegment(dir, segment.base, position);
    try {
      const window = new FileWindow(file, segment.size);
      while (position < segmentEnd) {
        if (records.length >= limits.maxRecords) return { records, end: position };
        const budget = records.length === 0 ? Number.POSITIVE_INFINITY : limits.maxBytes - payloadBytes;
        const probe = await readRecordAt(window, position - segment.base, budget);
        if (probe.kind === 'over-budget') return { records, end: position };
        if (probe.kind !== 'record') {
          if (position === from) {
            throw new LogRangeError(
              `no valid record starts at position ${from} (not a record boundary, or the data is damaged)`,
            );
          }
          throw new LogCorruptError(
            `log segment ${join(dir, segmentName(segment.base))} has a ${probe.kind} record at position ` +
              `${position}, inside its durable part; the file was damaged or edited`,
          );
        }
        const next = segment.base + probe.next;
        records.push({ position, next, payload: probe.payload });
        payloadBytes += probe.payload.length;
        position = next;
      }
    } finally {
      await file.close();
    }
  }
  return { records, end: position };
}
