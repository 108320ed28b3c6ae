/**
 * Moves acknowledged events from the durable log into the store.
 *
 * Exactly-once, even across crashes: before inserting a range of the log the loader records it as
 * `pending` in its checkpoint, and only after every insert of the range is the position advanced.
 * After a crash, or after an insert failed, the same range is loaded again: the rows an earlier
 * attempt stored are read back from the tables (range-stored.ts explains why the engine's insert
 * deduplication cannot be trusted for this) and only the others are inserted. Message ids already
 * stored by earlier ranges (an SDK retrying hours later) are filtered out through the `event_ids`
 * index.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { RejectedRow } from '../events/event-row.js';
import { decodeForLoad, withLogPosition, type LoadableRecord } from '../collector/log-record.js';
import type { AliasRow, PersonPropertyRow } from './identity.js';
import { storedEventIds } from './stored-ids.js';
import { eventsStoredInRange, rejectsStoredInRange } from './range-stored.js';
import { readCheckpoint, writeCheckpoint } from '../log/checkpoint.js';

/** The part of the log the loader needs. */
export interface LoaderLog {
  read(from: number, options: { maxRecords: number; maxBytes: number }): Promise<{
    records: Array<{ position: number; next: number; payload: Buffer }>;
    end: number;
  }>;
  endPosition(): number;
  startPosition(): number;
  waitForAppend(after: number, signal?: AbortSignal): Promise<void>;
  deleteBefore(position: number): Promise<number>;
}

export interface LoaderOptions {
  readonly checkpointPath: string;
  readonly flushIntervalMs: number;
  readonly flushMaxEvents: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

const checkpointSchema = z.object({
  position: z.number().int().nonnegative(),
  pending: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }).nullable(),
});
type Checkpoint = z.infer<typeof checkpointSchema>;

export interface LoaderStats {
  readonly position: number;
  readonly lagBytes: number;
  readonly lastLoadAt: number | null;
  readonly eventsLoaded: number;
  readonly rejectedLoaded: number;
  readonly duplicatesSkipped: number;
  readonly lastError: string | null;
}

export class Loader {
  private checkpoint: Checkpoint = { position: 0, pending: null };
  private running = false;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private lastLoadAt: number | null = null;
  private eventsLoaded = 0;
  private rejectedLoaded = 0;
  private duplicatesSkipped = 0;
  private lastError: string | null = null;
  private readonly now: () => number;
  private readonly loadedListeners = new Set<(position: number) => void>();

  constructor(private readonly log: LoaderLog, private readonly store: Store, private readonly options: LoaderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Reads the checkpoint and finishes a range a crash interrupted. */
  async recover(): Promise<void> {
    const saved = await readCheckpoint(this.options.checkpointPath, checkpointSchema);
    this.checkpoint = saved ?? { position: this.log.startPosition(), pending: null };
    if (this.checkpoint.position < this.log.startPosition()) {
      throw new Error(
        `loader checkpoint ${this.options.checkpointPath} points at position ${this.checkpoint.position}, ` +
          `before the oldest retained log data (${this.log.startPosition()}); the log was deleted or replaced`,
      );
    }
    const pending = this.checkpoint.pending;
    if (pending) await this.loadRange(pending.from, pending.to, { retry: true });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Stops after loading everything already in the log. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort?.abort();
    await this.loop;
    await this.drain();
  }

  stats(): LoaderStats {
    return {
      position: this.checkpoint.position,
      lagBytes: Math.max(0, this.log.endPosition() - this.checkpoint.position),
      lastLoadAt: this.lastLoadAt,
      eventsLoaded: this.eventsLoaded,
      rejectedLoaded: this.rejectedLoaded,
      duplicatesSkipped: this.duplicatesSkipped,
      lastError: this.lastError,
    };
  }

  /** Called after each range is loaded with the new checkpoint position (for live freshness). */
  onLoaded(listener: (position: number) => void): () => void {
    this.loadedListeners.add(listener);
    return () => this.loadedListeners.delete(listener);
  }

  /** Loads everything in the log now, in flushMaxEvents-sized ranges. */
  async drain(): Promise<void> {
    while (this.checkpoint.position < this.log.endPosition()) {
      const loaded = await this.loadNext();
      if (!loaded) break;
    }
  }

  /** Resolves once everything durable at call time is loaded (tests, `--wait` flags). */
  async waitLoaded(position = this.log.endPosition(), timeoutMs = 30_000): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.checkpoint.position < position) {
      if (this.now() > deadline) throw new Error(`loader did not reach position ${position} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        if (this.log.endPosition() <= this.checkpoint.position) {
          await this.log.waitForAppend(this.checkpoint.position, signal);
          if (signal.aborted) break;
          // Group the first flush with whatever else arrives in the interval, unless a full batch
          // is already waiting.
          await this.waitForBatch(signal);
        }
        if (signal.aborted) break;
        await this.loadNext();
        this.lastError = null;
        backoff = 100;
      } catch (err) {
        if (signal.aborted) break;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.options.onError?.(err);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private async waitForBatch(signal: AbortSignal): Promise<void> {
    const deadline = this.now() + this.options.flushIntervalMs;
    // Roughly 200 bytes per event is a cheap bound to stop waiting early when a batch is full.
    const fullBytes = this.options.flushMaxEvents * 200;
    while (!signal.aborted && this.now() < deadline) {
      if (this.log.endPosition() - this.checkpoint.position >= fullBytes) return;
      await sleep(Math.min(25, Math.max(1, deadline - this.now())), signal);
    }
  }

  /**
   * Picks the next range (records up to flushMaxEvents events) and loads it. A range whose load
   * failed midway is loaded again as it was, since part of it may be stored.
   */
  private async loadNext(): Promise<boolean> {
    const pending = this.checkpoint.pending;
    if (pending) {
      await this.loadRange(pending.from, pending.to, { retry: true });
      return true;
    }
    const from = this.checkpoint.position;
    const decoded = await this.readDecoded(from, this.options.flushMaxEvents);
    if (decoded.length === 0) return false;
    const to = decoded[decoded.length - 1]!.next;
    this.checkpoint = { position: from, pending: { from, to } };
    await writeCheckpoint(this.options.checkpointPath, this.checkpoint);
    await this.loadRange(from, to, { retry: false, decoded });
    return true;
  }

  /**
   * Loads [from, to). `decoded` are its records when the caller has already read them; `retry`
   * says an earlier attempt may have stored part of the range.
   */
  private async loadRange(from: number, to: number, how: { retry: boolean; decoded?: readonly DecodedRecord[] }): Promise<void> {
    const decoded = how.decoded;
    const rows: PendingRow[] = [];
    const aliases: AliasRow[] = [];
    const properties: PersonPropertyRow[] = [];
    const rejected: RejectedRow[] = [];
    let position = from;
    let given = decoded;
    while (position < to) {
      const records = given ?? (await this.readDecoded(position));
      given = undefined;
      if (records.length === 0) throw new Error(`log ends at ${position} inside pending range ${from}..${to}`);
      for (const r of records) {
        if (r.position >= to) break;
        const body = r.body;
        const first = rows.length;
        body.rows.forEach((row, i) => {
          const key = body.keys[i] ?? ['', ''];
          rows.push({ project: key[0], id: key[1], position: r.position, row, fresh: true });
        });
        for (const { i, ...a } of body.aliases) aliasesOf(rows, first + i).push(a);
        for (const { i, ...p } of body.properties) propertiesOf(rows, first + i).push(p);
        for (const q of body.rejected) rejected.push({ ...q, log_position: r.position });
        position = r.next;
      }
    }
    await this.markStored(rows);
    const fresh = rows.filter((r) => r.fresh);
    for (const r of fresh) {
      if (r.aliases) aliases.push(...r.aliases);
      if (r.properties) properties.push(...r.properties);
    }
    this.duplicatesSkipped += rows.length - fresh.length;
    // Identity facts and id index rows are inserted again on a retry: a second copy of one is
    // harmless (the newest link wins, ids are looked up by value), a missing one is not.
    const stored = how.retry ? await eventsStoredInRange(this.store, fresh, from, to) : new Set<string>();
    const missing = stored.size === 0 ? fresh : fresh.filter((r) => !stored.has(`${r.project}\u0000${r.id}`));
    const storedRejects = how.retry ? await rejectsStoredInRange(this.store, rejected, from, to) : new Set<number>();
    const rejects = storedRejects.size === 0 ? rejected : rejected.filter((q) => !storedRejects.has(q.log_position ?? -1));
    // Unique per attempt: the engine must never decide that a retry's rows are already stored.
    const token = `clickpath-log-${from}-${to}-${randomUUID()}`;
    if (missing.length > 0) {
      const text = missing.map((r) => withLogPosition(r.row, r.position)).join('\n');
      await this.store.insertJsonRows('events', text, { dedupToken: `${token}-events` });
    }
    if (aliases.length > 0) {
      await this.store.insertJsonRows('person_aliases', ndjson(aliases), { dedupToken: `${token}-aliases` });
    }
    if (properties.length > 0) {
      await this.store.insertJsonRows('person_properties', ndjson(properties), { dedupToken: `${token}-props` });
    }
    // The id index goes last: once it lists these events, a replay of this range skips them, so
    // everything derived from them must already be stored.
    if (fresh.length > 0) {
      await this.store.insertJsonRows(
        'event_ids',
        ndjson(fresh.map((r) => ({ project_id: r.project, event_id: r.id, log_position: r.position }))),
        { dedupToken: `${token}-ids` },
      );
    }
    if (rejects.length > 0) {
      await this.store.insertJsonRows('rejected_events', ndjson(rejects), { dedupToken: `${token}-rejected` });
    }
    this.checkpoint = { position: to, pending: null };
    await writeCheckpoint(this.options.checkpointPath, this.checkpoint);
    this.eventsLoaded += missing.length;
    this.rejectedLoaded += rejects.length;
    this.lastLoadAt = this.now();
    await this.log.deleteBefore(to);
    for (const listener of this.loadedListeners) listener(to);
  }

  /** Records from `position` on, decoded, stopping once they hold `maxItems` events and rejects. */
  private async readDecoded(position: number, maxItems = Number.POSITIVE_INFINITY): Promise<DecodedRecord[]> {
    const { records } = await this.log.read(position, { maxRecords: 100_000, maxBytes: 64 * 1024 * 1024 });
    const out: DecodedRecord[] = [];
    let items = 0;
    for (const r of records) {
      const body = decodeForLoad(r.payload, r.position);
      out.push({ position: r.position, next: r.next, body });
      items += body.rows.length + body.rejected.length;
      if (items >= maxItems) break;
      // Thousands of small records (single-event requests) must not hold up requests meanwhile.
      if (out.length % YIELD_EVERY === 0) await yieldToRequests();
    }
    return out;
  }

  /** Marks rows whose id is already stored, and repeats inside the range itself, as not fresh. */
  private async markStored(rows: PendingRow[]): Promise<void> {
    if (rows.length === 0) return;
    const seen = new Set<string>();
    for (const r of rows) {
      const key = `${r.project}\u0000${r.id}`;
      if (seen.has(key)) r.fresh = false;
      else seen.add(key);
    }
    const unique = rows.filter((r) => r.fresh);
    const stored = (await storedEventIds(this.store, unique.map((r) => r.id))).map((s) => ({ p: s.project, id: s.id }));
    if (stored.length === 0) return;
    const storedKeys = new Set(stored.map((s) => `${s.p}\u0000${s.id}`));
    for (const r of unique) if (storedKeys.has(`${r.project}\u0000${r.id}`)) r.fresh = false;
  }
}

interface DecodedRecord {
  readonly position: number;
  readonly next: number;
  readonly body: LoadableRecord;
}

const YIELD_EVERY = 500;

function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One event row of a range on its way to the store. */
interface PendingRow {
  readonly project: string;
  readonly id: string;
  readonly position: number;
  readonly row: string;
  fresh: boolean;
  aliases?: AliasRow[];
  properties?: PersonPropertyRow[];
}

function aliasesOf(rows: PendingRow[], index: number): AliasRow[] {
  const row = rows[index];
  if (!row) throw new Error(`identity fact points at missing row ${index}`);
  return (row.aliases ??= []);
}

function propertiesOf(rows: PendingRow[], index: number): PersonPropertyRow[] {
  const row = rows[index];
  if (!row) throw new Error(`identity fact points at missing row ${index}`);
  return (row.properties ??= []);
}

function ndjson(rows: readonly object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // The listener must go when the timer fires: the loader sleeps every few ms on one signal.
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
