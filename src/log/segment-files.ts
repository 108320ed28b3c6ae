/**
 * Filesystem side of the segment log: finding segment files, checking they form one contiguous
 * run of positions, and cutting a torn tail off the last one after a crash.
 */
import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogCorruptError } from './errors.js';
import { SEGMENT_SUFFIX, parseSegmentName, segmentName, validPrefixBytes } from './record-format.js';

/** A segment file; `size` counts only durable bytes (fsynced, checksum-valid records). */
export interface Segment {
  readonly base: number;
  size: number;
}

export interface RecoveredSegments {
  readonly segments: Segment[];
  /** Read-write handle on the last segment, where appends continue. */
  readonly active: FileHandle;
  /** Bytes cut off the last segment because they did not form complete, valid records. */
  readonly truncatedBytes: number;
}

/**
 * Makes a created, renamed or deleted directory entry durable. Without it a crash can forget a
 * new segment file even though its contents were fsynced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function createSegment(dir: string, base: number): Promise<FileHandle> {
  // 'w+' truncates: a file left by a failed earlier roll to this base holds nothing durable.
  const file = await open(join(dir, segmentName(base)), 'w+');
  try {
    await fsyncDir(dir);
  } catch (err) {
    await file.close();
    throw err;
  }
  return file;
}

async function segmentBases(dir: string): Promise<number[]> {
  const bases: number[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(SEGMENT_SUFFIX)) continue;
    const base = parseSegmentName(name);
    if (base === undefined) {
      throw new LogCorruptError(
        `unexpected file ${join(dir, name)} in the log directory: segment files are named by a ` +
          '20-digit position; move it out of the directory',
      );
    }
    bases.push(base);
  }
  return bases.sort((a, b) => a - b);
}

/**
 * Opens the segments of `dir` (creating the first one in an empty directory) and truncates the
 * last one to its longest valid prefix. Only the last segment can have a torn tail: the log
 * fsyncs a segment completely before it creates the next one.
 */
export async function recoverSegments(dir: string): Promise<RecoveredSegments> {
  const bases = await segmentBases(dir);
  if (bases.length === 0) {
    return { segments: [{ base: 0, size: 0 }], active: await createSegment(dir, 0), truncatedBytes: 0 };
  }
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < bases.length; i++) {
    const base = bases[i]!;
    const nextBase = bases[i + 1]!;
    const { size } = await stat(join(dir, segmentName(base)));
    if (base + size !== nextBase) {
      throw new LogCorruptError(
        `log segment ${join(dir, segmentName(base))} holds ${size} bytes but the next segment starts at ` +
          `position ${nextBase} (expected ${base + size}); the directory was damaged or edited. ` +
          'Move the later segment files aside to recover everything before them.',
      );
    }
    segments.push({ base, size });
  }
  const lastBase = bases[bases.length - 1]!;
  const active = await open(join(dir, segmentName(lastBase)), 'r+');
  try {
    const { size } = await active.stat();
    const valid = await validPrefixBytes(active, size);
    if (valid < size) {
      await active.truncate(valid);
      await active.datasync();
    }
    segments.push({ base: lastBase, size: valid });
    return { segments, active, truncatedBytes: size - valid };
  } catch (err) {
    await active.close();
    throw err;
  }
}

/** Positional write of all of `data`; the kernel may accept less than asked per call. */
export async function writeFully(file: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await file.write(data, written, data.length - written, position + written);
    if (bytesWritten === 0) throw new Error('the disk accepted no bytes');
    written += bytesWritten;
  }
}
