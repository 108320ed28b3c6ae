/**
 * On-disk format of the log: segment file names and record framing.
 *
 * A record is [u32 BE payload length][u32 BE crc32][payload]. The crc covers the length field and
 * the payload, not just the payload: a zero-filled tail left by a crash (length 0, crc 0) would
 * otherwise parse as an endless run of valid empty records, because crc32 of nothing is 0.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 8;
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;
export const SEGMENT_SUFFIX = '.seg';
const SEGMENT_NAME = /^(\d{20})\.seg$/;

/** `00000000000000001234.seg`: zero padding makes lexical order match position order. */
export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** The base position of a segment file name, or undefined when the name is not a segment's. */
export function parseSegmentName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match?.[1]) return undefined;
  const base = Number(match[1]);
  return Number.isSafeInteger(base) ? base : undefined;
}

export function frameBytes(payload: Buffer): number {
  return HEADER_BYTES + payload.length;
}

function checksum(lengthField: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(lengthField));
}

/** Frames all payloads into one buffer so a whole group commit is a single write call. */
export function encodeRecords(payloads: readonly Buffer[], totalBytes: number): Buffer {
  const out = Buffer.allocUnsafe(totalBytes);
  let at = 0;
  for (const payload of payloads) {
    out.writeUInt32BE(payload.length, at);
    out.writeUInt32BE(checksum(out.subarray(at, at + 4), payload), at + 4);
    payload.copy(out, at + HEADER_BYTES);
    at += HEADER_BYTES + payload.length;
  }
  if (at !== totalBytes) throw new Error(`framing error: encoded ${at} bytes, expected ${totalBytes}`);
  return out;
}

/**
 * Reads byte ranges of one file through a large window, so scanning many small records costs
 * one read syscall per window instead of two per record. Never reads at or beyond `limit`.
 */
export class FileWindow {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly limit: number,
    private readonly windowBytes = 1 << 20,
  ) {}

  /** Bytes [offset, offset + length), or undefined when the file (or limit) ends before that. */
  async bytes(offset: number, length: number): Promise<Buffer | undefined> {
    if (offset + length > this.limit) return undefined;
    const rel = offset - this.windowStart;
    if (rel >= 0 && rel + length <= this.window.length) return this.window.subarray(rel, rel + length);
    const size = Math.min(Math.max(length, this.windowBytes), this.limit - offset);
    const buf = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.file.read(buf, filled, size - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < length) return undefined;
    this.window = buf.subarray(0, filled);
    this.windowStart = offset;
    return this.window.subarray(0, length);
  }
}

export type RecordProbe =
  | { readonly kind: 'record'; readonly payload: Buffer; readonly next: number }
  /** The record would exceed the caller's payload budget; nothing was consumed. */
  | { readonly kind: 'over-budget' }
  /** The file ends inside the record: a write cut short by a crash. */
  | { readonly kind: 'torn' }
  /** The bytes are all there but the checksum does not match. */
  | { readonly kind: 'corrupt' };

/** Decodes the record at `offset` (file-relative) and verifies its checksum. */
export async function readRecordAt(
  window: FileWindow,
  offset: number,
  maxPayload = Number.POSITIVE_INFINITY,
): Promise<RecordProbe> {
  const header = await window.bytes(offset, HEADER_BYTES);
  if (!header) return { kind: 'torn' };
  const length = header.readUInt32BE(0);
  const stored = header.readUInt32BE(4);
  // Copy the length field now: fetching the payload may replace the window header points into.
  const lengthField = Buffer.from(header.subarray(0, 4));
  if (length > maxPayload) return { kind: 'over-budget' };
  const payload = await window.bytes(offset + HEADER_BYTES, length);
  if (!payload) return { kind: 'torn' };
  if (checksum(lengthField, payload) !== stored) return { kind: 'corrupt' };
  // Copy so a caller holding one small record does not pin the whole read window in memory.
  return { kind: 'record', payload: Buffer.from(payload), next: offset + HEADER_BYTES + length };
}

/** Length of the longest prefix of the file made of complete, checksum-valid records. */
export async function validPrefixBytes(file: FileHandle, size: number): Promise<number> {
  const window = new FileWindow(file, size);
  let offset = 0;
  while (offset < size) {
    const probe = await readRecordAt(window, offset);
    if (probe.kind !== 'record') break;
    offset = probe.next;
  }
  return offset;
}
