/**
 * Live views: the store's answer for one family of counters (an event name and property, every
 * value at once) over one fixed time range, kept in memory and brought up to date by the tail as
 * events arrive, so that counters and top lists are answered without asking the engine.
 *
 * A view is one engine read plus the events that read cannot have seen. Loads run one after
 * another, and each becomes visible per table and per partition (UTC day) at once, so when a read
 * reports `x` as the largest log position it aggregated in one table and day, every load up to
 * the one that carried x was there, and no later one. Every position up to that largest x (the
 * cut of that table and day) was therefore in what the read saw, and every position below the
 * tail's floor too. An event the tail reports at a position above its cut is one the read did not
 * count; at or below it, one it did. The tail reports every event
 * the loader stores, from the instant the view starts following it, in log order; the events it
 * held at that instant come with it (see TailIndex.follow).
 *
 * Two kinds of views tile a window: a minute of points (each value's timestamps, for the ragged
 * ends of a window, exact to the millisecond) and a span of whole minutes (a count per value).
 */
import type { Store } from '../store/store.js';
import type { TailEvent, TailFollower } from './tail-index.js';
import { DAY_MS, MINUTE_MS, readsOf, splitRange, type LevelRead, type TimeRange } from './live-window.js';
import { pointsViewStatement, spanViewStatement, type ViewFamily } from './live-sql.js';
import { familyValue } from './live-merge.js';

/** What views need of the tail index. */
export interface ViewTail {
  follow(projectId: string, listener: (event: TailEvent) => void): TailFollower;
  onReset(listener: () => void): () => void;
}

/** First index of a sorted array whose element is ≥ t. */
function lowerBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

abstract class View {
  lastUsed: number;
  private follower: TailFollower | null = null;
  /** The tail's floor when the view began following: every position below it was in the store. */
  protected floor = 0;
  private pending: TailEvent[] | null = [];

  constructor(
    readonly projectId: string,
    readonly family: ViewFamily,
    readonly range: TimeRange,
    readonly createdAt: number,
  ) {
    this.lastUsed = createdAt;
  }

  /** Follows the tail, reads the engine, then adds what the read did not count. */
  async load(store: Store, tail: ViewTail): Promise<boolean> {
    const follower = tail.follow(this.projectId, (e) => this.offer(e));
    this.follower = follower;
    this.floor = follower.snapshot.floor;
    // At floor 0 a position-0 record and position-0 rows written straight into the store
    // (imports, demo data) cannot be told apart, so the read's positions say nothing.
    if (this.floor === 0) return false;
    await this.read(store);
    const waiting = [...follower.snapshot.events, ...(this.pending ?? [])];
    this.pending = null;
    for (const e of waiting) this.offer(e);
    return true;
  }

  close(): void {
    this.follower?.stop();
    this.follower = null;
  }

  private offer(e: TailEvent): void {
    if (this.pending) {
      this.pending.push(e);
      return;
    }
    const t = e.timestamp;
    if (t < this.range.from || t >= this.range.to) return;
    const value = familyValue(this.family, e);
    if (value === undefined) return;
    if (e.position > this.cutAt(t)) this.add(value, t);
  }

  /** Runs the engine read and records its cuts. */
  protected abstract read(store: Store): Promise<void>;
  /** Positions up to this one are in what the read returned for time t. */
  protected abstract cutAt(t: number): number;
  protected abstract add(value: string, t: number): void;
}

/** One minute of a family: each value's timestamps, sorted. */
export class PointsView extends View {
  readonly points = new Map<string, number[]>();
  private cut = -1;

  // A minute lies in one day, so the read touches one partition: one cut serves it.
  protected async read(store: Store): Promise<void> {
    const { sql, params } = pointsViewStatement(store.database, this.projectId, this.family, this.range);
    const rows = await store.query<{ value: string; ts: Array<string | number>; x: string | number }>(sql, params);
    this.cut = this.floor - 1;
    for (const row of rows) {
      this.points.set(row.value, row.ts.map(Number).sort((a, b) => a - b));
      this.cut = Math.max(this.cut, Number(row.x));
    }
  }

  protected cutAt(): number {
    return this.cut;
  }

  protected add(value: string, t: number): void {
    let list = this.points.get(value);
    if (!list) this.points.set(value, (list = []));
    if (list.length === 0 || list[list.length - 1]! <= t) list.push(t);
    else list.splice(lowerBound(list, t), 0, t);
  }

  /** Events of `value` within [from, to) ∩ this minute. */
  count(value: string, from: number, to: number): number {
    const list = this.points.get(value);
    if (!list) return 0;
    return lowerBound(list, to) - lowerBound(list, from);
  }
}

/** Whole minutes (and hours) of a family: a count per value. */
export class SpanView extends View {
  readonly counts = new Map<string, number>();
  private reads: LevelRead[] = [];
  /** Cut per read (table) and UTC day (partition): "read:day". */
  private readonly cuts = new Map<string, number>();

  protected async read(store: Store): Promise<void> {
    this.reads = readsOf(splitRange(this.range, ['points', 'minutes', 'hours']));
    const { sql, params } = spanViewStatement(store.database, this.projectId, this.family, this.reads);
    const rows = await store.query<{ r: number | string; value: string; d: number | string; c: string | number; x: string | number }>(sql, params);
    for (const row of rows) {
      this.counts.set(row.value, (this.counts.get(row.value) ?? 0) + Number(row.c));
      const key = `${Number(row.r)}:${Number(row.d)}`;
      this.cuts.set(key, Math.max(this.cuts.get(key) ?? -1, Number(row.x)));
    }
  }

  protected cutAt(t: number): number {
    const read = Math.max(0, this.reads.findIndex((rd) => rd.ranges.some((r) => t >= r.from && t < r.to)));
    return Math.max(this.floor - 1, this.cuts.get(`${read}:${Math.floor(t / DAY_MS)}`) ?? -1);
  }

  protected add(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
}

/** The views that tile one window: at most a points minute, a span, and another points minute. */
export interface WindowViews {
  readonly first: PointsView;
  readonly span: SpanView | null;
  readonly last: PointsView | null;
}

export interface ViewCacheOptions {
  /** Views unused this long are dropped. */
  readonly idleMs: number;
  /**
   * Views older than this are read again: rows written straight into the store (imports) reach
   * live answers no later than this.
   */
  readonly maxAgeMs: number;
  /** More views than this: the least recently used go first. */
  readonly maxViews: number;
}

export const DEFAULT_VIEW_CACHE: ViewCacheOptions = { idleMs: 90_000, maxAgeMs: 120_000, maxViews: 500 };

interface Slot {
  readonly view: View;
  /** Resolves to false when the view cannot answer (the tail's floor is still 0). */
  readonly ready: Promise<boolean>;
}

/** Views by project, family and range; each loaded once, shared by every request that needs it. */
export class ViewCache {
  private readonly slots = new Map<string, Slot>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly tail: ViewTail,
    private readonly clock: () => number,
    private readonly options: ViewCacheOptions = DEFAULT_VIEW_CACHE,
  ) {
    // The tail skipped records: a view may have missed some of their events.
    this.unsubscribe = tail.onReset(() => this.clear());
  }

  /** The views of a window, loaded; null when the tail cannot vouch for them yet. */
  async window(projectId: string, family: ViewFamily, range: TimeRange): Promise<WindowViews | null> {
    const firstMinute = Math.floor(range.from / MINUTE_MS) * MINUTE_MS;
    const lastMinute = Math.floor((range.to - 1) / MINUTE_MS) * MINUTE_MS;
    const minute = (m: number) => this.get(projectId, family, { from: m, to: m + MINUTE_MS }, 'points');
    const first = minute(firstMinute);
    const last = lastMinute > firstMinute ? minute(lastMinute) : null;
    const span = lastMinute > firstMinute + MINUTE_MS ? this.get(projectId, family, { from: firstMinute + MINUTE_MS, to: lastMinute }, 'span') : null;
    const slots = [first, span, last].filter((s): s is Slot => s !== null);
    const ready = await Promise.all(slots.map((s) => s.ready));
    if (ready.includes(false)) return null;
    return { first: first.view as PointsView, span: (span?.view as SpanView | undefined) ?? null, last: (last?.view as PointsView | undefined) ?? null };
  }

  /** Drops idle, old and surplus views. */
  sweep(): void {
    const now = this.clock();
    for (const [id, slot] of this.slots) {
      if (now - slot.view.lastUsed > this.options.idleMs || now - slot.view.createdAt > this.options.maxAgeMs) this.drop(id);
    }
    if (this.slots.size > this.options.maxViews) {
      const byUse = [...this.slots].sort((a, b) => a[1].view.lastUsed - b[1].view.lastUsed);
      for (const [id] of byUse.slice(0, this.slots.size - this.options.maxViews)) this.drop(id);
    }
  }

  size(): number {
    return this.slots.size;
  }

  clear(): void {
    for (const id of [...this.slots.keys()]) this.drop(id);
  }

  close(): void {
    this.unsubscribe();
    this.clear();
  }

  private get(projectId: string, family: ViewFamily, range: TimeRange, kind: 'points' | 'span'): Slot {
    const id = JSON.stringify([projectId, family.event, family.key, kind, range.from, range.to]);
    const now = this.clock();
    const found = this.slots.get(id);
    if (found && now - found.view.createdAt <= this.options.maxAgeMs) {
      found.view.lastUsed = now;
      return found;
    }
    if (found) this.drop(id);
    const view = kind === 'points' ? new PointsView(projectId, family, range, now) : new SpanView(projectId, family, range, now);
    const ready = view.load(this.store, this.tail).then(
      (ok) => {
        // A view that cannot answer is not kept: the next request tries again.
        if (!ok && this.slots.get(id)?.view === view) this.drop(id);
        return ok;
      },
      (err: unknown) => {
        if (this.slots.get(id)?.view === view) this.drop(id);
        else view.close();
        throw err;
      },
    );
    const slot = { view, ready };
    this.slots.set(id, slot);
    return slot;
  }

  private drop(id: string): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    slot.view.close();
  }
}
