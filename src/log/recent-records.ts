/**
 * The newest fsynced records, in position order, bounded by payload bytes. Readers that keep up
 * with the end of the log are served from here; anyone further behind reads the segment files.
 * Only records that were acknowledged durable are ever added, so a cached read returns exactly
 * what a disk read would.
 */
import type { LogRecord, ReadLimits, ReadResult } from './segment-read.js';

export class RecentRecords {
  /** Evicted slots before `head` are emptied at once: they would otherwise pin their payloads. */
  private records: Array<LogRecord | undefined> = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(record: LogRecord): void {
    if (this.maxBytes === 0) return;
    const last = this.records.length > this.head ? this.records[this.records.length - 1] : undefined;
    // A gap (the cache was cut past a record too large for it) would make reads skip records.
    if (last && last.next !== record.position) this.clear();
    this.records.push(record);
    this.bytes += record.payload.length;
    while (this.bytes > this.maxBytes && this.head < this.records.length) {
      this.bytes -= this.records[this.head]!.payload.length;
      // Without this, up to 4096 evicted records stayed reachable until compaction: with 500-event
      // batches that was over 1 GB of payloads (and their decoded rows) under a steady flood.
      this.records[this.head] = undefined;
      this.head += 1;
    }
    // Compact now and then rather than shifting on every eviction.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /** Records whose payloads this cache keeps reachable (the bound the memory test checks). */
  heldRecords(): number {
    let n = 0;
    for (const r of this.records) if (r !== undefined) n += 1;
    return n;
  }

  clear(): void {
    this.records = [];
    this.head = 0;
    this.bytes = 0;
  }

  /**
   * The records from `from` on, as a segment read would return them, or null when `from` is not
   * a cached record boundary (older, or not a boundary at all: the disk read explains which).
   */
  read(from: number, end: number, limits: ReadLimits): ReadResult | null {
    if (from === end) return { records: [], end };
    const start = this.indexOf(from);
    if (start < 0) return null;
    const out: LogRecord[] = [];
    let payloadBytes = 0;
    let position = from;
    for (let i = start; i < this.records.length && out.length < limits.maxRecords; i++) {
      const r = this.records[i]!;
      if (r.position >= end) break;
      if (out.length > 0 && payloadBytes + r.payload.length > limits.maxBytes) break;
      out.push(r);
      payloadBytes += r.payload.length;
      position = r.next;
    }
    return { records: out, end: position };
  }

  private indexOf(position: number): number {
    let lo = this.head;
    let hi = this.records.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.records[mid]!.position;
      if (p === position) return mid;
      if (p < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
