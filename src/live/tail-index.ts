/**
 * The acknowledged events the store does not hold yet: the log between the loader's position and
 * its end, decoded and kept in memory so live counters do not wait for the next load.
 *
 * The index follows the log from the loader's position. Whenever the loader reports a new
 * position (`onLoaded`, called after the range is fully in the store, materialized views
 * included), everything before it is dropped: from then on the store answers for it. Only events
 * the loader will actually store are kept: a message id already stored (an SDK retry) or repeated
 * earlier in the tail is left out, exactly as the loader leaves it out.
 */
import type { Store } from '../store/store.js';
import type { LogRecord, ReadLimits, ReadResult } from '../log/segment-log.js';
import { LogClosedError, LogRangeError } from '../log/errors.js';
import { decodeForLoad } from '../records/log-record.js';
import { storedEventIds } from '../loader/stored-ids.js';
import type { EventRow } from '../events/event-row.js';

export interface TailEvent {
  /** Position of the log record that carried the event. */
  readonly position: number;
  /** Event time, epoch ms. */
  readonly timestamp: number;
  readonly event: string;
  readonly personId: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface TailSnapshot {
  /** Every event at a log position below this is in the store. */
  readonly floor: number;
  /** The project's tail events at positions ≥ floor, in log order. */
  readonly events: readonly TailEvent[];
}

/** The part of the log the index reads. */
export interface TailLog {
  read(from: number, limits: ReadLimits): Promise<ReadResult>;
  waitForAppend(after: number, signal?: AbortSignal): Promise<void>;
  startPosition(): number;
}

/** The part of the loader the index follows. */
export interface TailLoader {
  stats(): { readonly position: number };
  onLoaded(listener: (position: number) => void): () => void;
}

/** Receives every event the loader will store, in log order, from the moment it follows. */
export type TailListener = (event: TailEvent) => void;

export interface TailFollower {
  /** The project's events ≥ floor at the moment following began. */
  readonly snapshot: TailSnapshot;
  readonly stop: () => void;
}

export interface TailOptions {
  /** Stop reading ahead once this many events wait in memory (counts then lag, never err). */
  readonly maxEvents: number;
  /**
   * Pause after indexing a batch, so a busy log is read in fewer, larger batches: each batch
   * costs one id lookup in the store. Adds at most this much to freshness.
   */
  readonly batchPauseMs: number;
  readonly onError?: (err: unknown) => void;
}

interface Entry extends TailEvent {
  readonly id: string;
}

export class TailIndex {
  private floor: number;
  private readPosition: number;
  private readonly byProject = new Map<string, Entry[]>();
  /** project \0 event id of every entry, to leave out repeats the loader would drop. */
  private readonly ids = new Set<string>();
  private size = 0;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly floorWaiters = new Set<() => void>();
  private readonly listeners = new Map<string, Set<TailListener>>();
  private readonly resetListeners = new Set<() => void>();

  constructor(
    private readonly log: TailLog,
    private readonly loader: TailLoader,
    private readonly store: Store,
    private readonly options: TailOptions,
  ) {
    this.floor = loader.stats().position;
    this.readPosition = this.floor;
  }

  start(): void {
    if (this.abort) return;
    this.unsubscribe = this.loader.onLoaded((position) => this.advance(position));
    this.advance(this.loader.stats().position);
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort?.abort();
    await this.loop;
    this.abort = null;
    this.loop = null;
    for (const wake of [...this.floorWaiters]) wake();
  }

  /** Taken synchronously, so the floor and the events always belong together. */
  snapshot(projectId: string): TailSnapshot {
    const entries = this.byProject.get(projectId) ?? [];
    return { floor: this.floor, events: entries.slice(firstAtOrAfter(entries, this.floor)) };
  }

  /**
   * A snapshot and, from the same instant, every further event of the project the loader will
   * store (also those it loads before the index reaches them), so a follower never misses one.
   */
  follow(projectId: string, listener: TailListener): TailFollower {
    let set = this.listeners.get(projectId);
    if (!set) this.listeners.set(projectId, (set = new Set()));
    set.add(listener);
    const snapshot = this.snapshot(projectId);
    const stop = (): void => {
      const current = this.listeners.get(projectId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(projectId);
    };
    return { snapshot, stop };
  }

  /** Called when the index skips log records it did not read: followers have missed events. */
  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  stats(): { floor: number; readPosition: number; events: number } {
    return { floor: this.floor, readPosition: this.readPosition, events: this.size };
  }

  /** Resolves once the loader has moved past `position` (or after `timeoutMs`, or on stop). */
  waitForFloorAbove(position: number, timeoutMs: number): Promise<void> {
    if (this.floor > position || !this.abort) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.floor <= position && this.abort) return;
        clearTimeout(timer);
        this.floorWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.floorWaiters.delete(wake);
        resolve();
      }, timeoutMs);
      this.floorWaiters.add(wake);
    });
  }

  private advance(position: number): void {
    if (position <= this.floor) return;
    this.floor = position;
    for (const [project, entries] of this.byProject) {
      const cut = firstAtOrAfter(entries, position);
      if (cut === 0) continue;
      for (const e of entries.slice(0, cut)) this.ids.delete(idKey(project, e.id));
      entries.splice(0, cut);
      this.size -= cut;
      if (entries.length === 0) this.byProject.delete(project);
    }
    for (const wake of [...this.floorWaiters]) wake();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoff = 50;
    while (!signal.aborted) {
      try {
        if (this.readPosition < this.floor) this.skipTo(this.floor);
        if (this.size >= this.options.maxEvents) {
          await this.waitForFloorAbove(this.floor, 1000);
          continue;
        }
        const batch = await this.readOrSkip(this.readPosition);
        if (batch === null) continue;
        if (batch.records.length === 0) {
          await this.log.waitForAppend(this.readPosition, signal);
          continue;
        }
        await this.index(batch.records);
        this.readPosition = batch.end;
        backoff = 50;
        if (this.options.batchPauseMs > 0) await sleep(this.options.batchPauseMs, signal);
      } catch (err) {
        if (signal.aborted || err instanceof LogClosedError) return;
        this.options.onError?.(err);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** A read, or null when the loader deleted what we were about to read (it is stored then). */
  private async readOrSkip(position: number): Promise<ReadResult | null> {
    try {
      return await this.log.read(position, { maxRecords: 2000, maxBytes: 16 * 1024 * 1024 });
    } catch (err) {
      if (err instanceof LogRangeError && position < this.log.startPosition()) {
        this.skipTo(Math.max(this.floor, this.log.startPosition()));
        return null;
      }
      throw err;
    }
  }

  private skipTo(position: number): void {
    if (position <= this.readPosition) return;
    this.readPosition = position;
    if (this.listeners.size > 0) for (const reset of [...this.resetListeners]) reset();
  }

  private async index(records: readonly LogRecord[]): Promise<void> {
    const candidates: Array<{ project: string; entry: Entry }> = [];
    const seen = new Set<string>();
    // Records loaded meanwhile are still read: followers need their events (the list does not).
    const follow = this.listeners.size > 0;
    for (const record of records) {
      if (record.position < this.floor && !follow) continue;
      // Only the header is read here; a row is parsed the first time a live query looks at it,
      // so ingest pays nothing for live counters nobody asks for.
      const body = decodeForLoad(record.payload, record.position);
      body.keys.forEach(([project, id], i) => {
        const key = idKey(project, id);
        if (this.ids.has(key) || seen.has(key)) return;
        seen.add(key);
        candidates.push({ project, entry: new LazyEntry(id, record.position, body.rows[i]!) });
      });
    }
    if (candidates.length === 0) return;
    const stored = await this.storedBefore(candidates);
    for (const { project, entry } of candidates) {
      const key = idKey(project, entry.id);
      const storedAt = stored.get(key);
      if (storedAt !== undefined && storedAt < entry.position) continue;
      const listeners = this.listeners.get(project);
      if (listeners) for (const listener of listeners) listener(entry);
      // Loaded while we looked ids up: the store has it now, and the floor says so.
      if (entry.position < this.floor) continue;
      let list = this.byProject.get(project);
      if (!list) this.byProject.set(project, (list = []));
      list.push(entry);
      this.ids.add(key);
      this.size += 1;
    }
  }

  /**
   * Log positions of the stored copies of these ids. A repeat whose first copy is still in the
   * tail is caught by `ids`; one whose first copy was loaded is in `event_ids`, which the loader
   * writes before it reports the new position, so this lookup (made after) sees it.
   */
  private async storedBefore(candidates: ReadonlyArray<{ project: string; entry: Entry }>): Promise<Map<string, number>> {
    const projects = new Set(candidates.map((c) => c.project));
    const rows = (await storedEventIds(this.store, candidates.map((c) => c.entry.id))).filter((r) => projects.has(r.project));
    return new Map(rows.map((r) => [idKey(r.project, r.id), r.position]));
  }
}

/** What a tail event keeps of its row once parsed: the rest of the row is garbage at once. */
interface Slim {
  readonly timestamp: number;
  readonly event: string;
  readonly personId: string;
  readonly properties: Readonly<Record<string, string>>;
}

/**
 * A tail event whose row text is parsed on first use. Tail events live until their load, long
 * enough to survive young-generation collections, so only the fields live counts read are kept.
 */
class LazyEntry implements Entry {
  private slim: Slim | undefined;

  constructor(readonly id: string, readonly position: number, private text: string) {}

  private parsed(): Slim {
    if (!this.slim) {
      const row = JSON.parse(this.text) as EventRow;
      this.slim = { timestamp: Date.parse(row.timestamp.replace(' ', 'T') + 'Z'), event: row.event, personId: row.person_id, properties: row.properties };
      this.text = '';
    }
    return this.slim;
  }

  get timestamp(): number {
    return this.parsed().timestamp;
  }

  get event(): string {
    return this.parsed().event;
  }

  get personId(): string {
    return this.parsed().personId;
  }

  get properties(): Readonly<Record<string, string>> {
    return this.parsed().properties;
  }
}

function idKey(project: string, id: string): string {
  return `${project}\u0000${id.toLowerCase()}`;
}

/** Index of the first entry at or after `position` (entries are in log order). */
function firstAtOrAfter(entries: readonly TailEvent[], position: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
