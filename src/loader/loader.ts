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
import { decodeForLoad, withLogPosition, type LoadableRecord } from '../records/log-record.js';
import type { AliasRow, PersonPropertyRow } from '../records/identity.js';
import { storedEventIds } from './stored-ids.js';
import { eventsStoredInRange, repairTimelineInRange, rejectsStoredInRange, withoutStoredRefusals } from './range-stored.js';
import { groupByPartition, insertIsolating } from './isolating-insert.js';
import { classifyInsertError, engineReason } from './engine-errors.js';
import { toSqlTime } from '../events/event-row.js';
import { DEFAULT_MAX_PAYLOAD_CHARS } from '../events/normalize.js';
import { truncateText } from '../events/json-values.js';
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
  /** Acknowledged events (or identity facts) the engine refused, kept in the quarantine. */
  readonly refusedLoaded: number;
  readonly lastError: string | null;
  /** `transient`: retried with backoff (disk, memory); `data`/`unknown`: rows being isolated. */
  readonly lastErrorKind: 'data' | 'transient' | 'unknown' | null;
  /** Failed attempts at the current range in a row (0 when loading goes well). */
  readonly failedAttempts: number;
}

/** What a stop left behind: bytes of the log not yet loaded (they load at the next start). */
export interface LoaderStopReport {
  readonly pendingBytes: number;
  readonly position: number;
  readonly error: string | null;
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
  private refusedLoaded = 0;
  private lastError: string | null = null;
  private lastErrorKind: LoaderStats['lastErrorKind'] = null;
  private rangeFailures = 0;
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
    // Recovery never keeps the server from starting: a range that cannot load now (full disk)
    // stays pending for the loop to retry with backoff, and status shows why.
    if (pending) await this.attempt(() => this.loadRange(pending.from, pending.to, { retry: true }));
  }

  /** Runs one load step; a failure is recorded (and counted for isolation), never thrown. */
  private async attempt(step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step();
      this.lastError = null;
      this.lastErrorKind = null;
      this.rangeFailures = 0;
      return true;
    } catch (err) {
      this.noteFailure(err);
      return false;
    }
  }

  private noteFailure(err: unknown): void {
    this.lastError = engineReason(err);
    this.lastErrorKind = classifyInsertError(err);
    this.rangeFailures += 1;
    this.options.onError?.(err);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /**
   * Stops after loading everything already in the log, if it can: when a load fails (a full
   * disk), it stops anyway and reports what is left. The log keeps it for the next start.
   */
  async stop(): Promise<LoaderStopReport> {
    if (this.running) {
      this.running = false;
      this.abort?.abort();
      await this.loop;
      await this.catchUp();
    }
    const { lagBytes, position, lastError } = this.stats();
    return { pendingBytes: lagBytes, position, error: lagBytes > 0 ? lastError : null };
  }

  stats(): LoaderStats {
    return {
      position: this.checkpoint.position,
      lagBytes: Math.max(0, this.log.endPosition() - this.checkpoint.position),
      lastLoadAt: this.lastLoadAt,
      eventsLoaded: this.eventsLoaded,
      rejectedLoaded: this.rejectedLoaded,
      duplicatesSkipped: this.duplicatesSkipped,
      refusedLoaded: this.refusedLoaded,
      lastError: this.lastError,
      lastErrorKind: this.lastErrorKind,
      failedAttempts: this.rangeFailures,
    };
  }

  /** Called after each range is loaded with the new checkpoint position (for live freshness). */
  onLoaded(listener: (position: number) => void): () => void {
    this.loadedListeners.add(listener);
    return () => this.loadedListeners.delete(listener);
  }

  /** drain(), with a failure recorded in stats instead of thrown; false when something is left. */
  catchUp(): Promise<boolean> {
    return this.attempt(() => this.drain());
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
        this.lastErrorKind = null;
        this.rangeFailures = 0;
        backoff = 100;
      } catch (err) {
        if (signal.aborted) break;
        this.noteFailure(err);
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
          rows.push({ project: key[0], id: key[1], position: r.position, index: i, row, fresh: true });
        });
        for (const { i, ...a } of body.aliases) aliasesOf(rows, first + i).push(a);
        for (const { i, ...p } of body.properties) propertiesOf(rows, first + i).push(p);
        for (const q of body.rejected) rejected.push({ ...q, log_position: r.position });
        position = r.next;
      }
    }
    await this.markStored(rows);
    const fresh = rows.filter((r) => r.fresh);
    this.duplicatesSkipped += rows.length - fresh.length;
    const stored = how.retry ? await eventsStoredInRange(this.store, fresh, from, to) : new Set<string>();
    const missing = stored.size === 0 ? fresh : fresh.filter((r) => !stored.has(rowKey(r)));
    const storedRejects = how.retry ? await rejectsStoredInRange(this.store, rejected, from, to) : new Set<number>();
    const rejects = storedRejects.size === 0 ? rejected : rejected.filter((q) => !storedRejects.has(q.log_position ?? -1));
    // Unique per attempt: the engine must never decide that a retry's rows are already stored.
    const token = `clickpath-log-${from}-${to}-${randomUUID()}`;
    const unknownIsData = this.rangeFailures >= UNKNOWN_ERRORS_BEFORE_ISOLATING;
    const refusals: RejectedRow[] = [];
    const refusedRows = new Set<PendingRow>();
    // One insert per group of months: the engine refuses an insert block that touches more than
    // 100 partitions of `events`, and a backfill can span any number of months.
    let group = 0;
    for (const rowsOfGroup of groupByPartition(missing, (r) => monthOf(r.row), MAX_PARTITIONS_PER_INSERT)) {
      const refused = await insertIsolating(this.store, 'events', rowsOfGroup.map((r) => withLogPosition(r.row, r.position)), {
        token: `${token}-events-${group++}`,
        unknownIsData,
        alreadyStored: async (indexes) => {
          const some = indexes.map((i) => rowsOfGroup[i]!);
          const there = await eventsStoredInRange(this.store, some, from, to);
          return new Set(indexes.filter((i) => there.has(rowKey(rowsOfGroup[i]!))));
        },
      });
      for (const { index, reason } of refused) {
        const r = rowsOfGroup[index]!;
        refusedRows.add(r);
        refusals.push(refusal(r, 'events', reason));
      }
      // Counted as soon as they are stored: if a later step of this range fails, the retry finds
      // these rows stored and does not count them again.
      this.eventsLoaded += rowsOfGroup.length - refused.length;
    }
    // On a retry, events an earlier attempt stored may lack their timeline rows (range-stored.ts).
    if (how.retry) await repairTimelineInRange(this.store, rows, from, to);
    // A refused event's identity facts are not applied: they stand or fall with the event.
    // Identity facts and id index rows are inserted again on a retry: a second copy of one is
    // harmless (the newest link wins, ids are looked up by value), a missing one is not.
    const aliasOwners: PendingRow[] = [];
    const propertyOwners: PendingRow[] = [];
    for (const r of fresh) {
      if (refusedRows.has(r)) continue;
      for (const a of r.aliases ?? []) { aliases.push(a); aliasOwners.push(r); }
      for (const p of r.properties ?? []) { properties.push(p); propertyOwners.push(r); }
    }
    if (aliases.length > 0) {
      const refused = await insertIsolating(this.store, 'person_aliases', aliases.map((a) => JSON.stringify(a)), { token: `${token}-aliases`, unknownIsData });
      for (const { index, reason } of refused) refusals.push(refusal(aliasOwners[index]!, 'person_aliases', reason));
    }
    if (properties.length > 0) {
      const refused = await insertIsolating(this.store, 'person_properties', properties.map((p) => JSON.stringify(p)), { token: `${token}-props`, unknownIsData });
      for (const { index, reason } of refused) refusals.push(refusal(propertyOwners[index]!, 'person_properties', reason));
    }
    // What the engine refused goes to the quarantine before the id index: once the index lists
    // the range's events, a replay skips them, so their refusals must already be kept.
    const newRefusals = how.retry ? await withoutStoredRefusals(this.store, refusals, from, to) : refusals;
    if (newRefusals.length > 0) {
      await this.store.insertJsonRows('rejected_events', ndjson(newRefusals), { dedupToken: `${token}-refused` });
    }
    // The id index goes last: once it lists these events, a replay of this range skips them, so
    // everything derived from them must already be stored. A refused event is listed too: it is
    // kept in the quarantine, and an SDK's retry of it is a duplicate of that.
    if (fresh.length > 0) {
      await this.store.insertJsonRows(
        'event_ids',
        ndjson(fresh.map((r) => ({ project_id: r.project, event_id: r.id, log_position: r.position }))),
        { dedupToken: `${token}-ids` },
      );
    }
    if (rejects.length > 0) {
      await this.store.insertJsonRows('rejected_events', ndjson(rejects.map(wellFormedReject)), { dedupToken: `${token}-rejected` });
    }
    this.refusedLoaded += newRefusals.length;
    this.checkpoint = { position: to, pending: null };
    await writeCheckpoint(this.options.checkpointPath, this.checkpoint);
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
  /** Index of the row within its log record. */
  readonly index: number;
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

/**
 * Months per events insert. The engine refuses a block touching more than 100 partitions
 * (max_partitions_per_insert_block); 90 keeps clear of it should a row land one month off.
 */
export const MAX_PARTITIONS_PER_INSERT = 90;

/** Consecutive failures of one range with an unclassified engine error before its rows are isolated. */
const UNKNOWN_ERRORS_BEFORE_ISOLATING = 3;

function rowKey(r: { project: string; id: string }): string {
  return `${r.project}\u0000${r.id}`;
}

/**
 * `YYYY-MM` of a row's timestamp, read off its JSON text. The row was written by JSON.stringify
 * with `timestamp` a top-level field; inside a string value every quote is escaped, so the first
 * `,"timestamp":"` is that field.
 */
function monthOf(row: string): string {
  const at = row.indexOf(',"timestamp":"');
  if (at >= 0) return row.slice(at + 14, at + 21);
  try {
    const t = (JSON.parse(row) as { timestamp?: unknown }).timestamp;
    return typeof t === 'string' ? t.slice(0, 7) : '';
  } catch {
    return '';
  }
}

/** An event (or one of its identity facts) the engine refused, as the quarantine keeps it. */
function refusal(r: PendingRow, table: string, reason: string): RejectedRow {
  const received = /"received_at":"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})"/.exec(r.row)?.[1];
  const { text, truncated } = truncateText(r.row.toWellFormed(), DEFAULT_MAX_PAYLOAD_CHARS);
  return {
    project_id: r.project.toWellFormed(),
    received_at: received ?? toSqlTime(Date.now()),
    source: 'loader',
    reason: 'engine_rejected',
    errors: [`the engine refused this row for ${table}: ${reason.toWellFormed()}`],
    payload: text,
    payload_truncated: truncated,
    file: table,
    line: r.index,
    log_position: r.position,
  };
}

/**
 * Quarantined items are JSON text made by this process, but a log written by an older version
 * may hold lone surrogates in them, which the engine's JSON input refuses.
 */
function wellFormedReject(q: RejectedRow): RejectedRow {
  if (q.payload.isWellFormed() && q.project_id.isWellFormed() && q.reason.isWellFormed() && q.errors.every((e) => e.isWellFormed())) return q;
  return { ...q, project_id: q.project_id.toWellFormed(), reason: q.reason.toWellFormed(), payload: q.payload.toWellFormed(), errors: q.errors.map((e) => e.toWellFormed()) };
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
