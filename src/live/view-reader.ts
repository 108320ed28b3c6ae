/**
 * Counters and top lists answered from live views (live-views.ts), with the engine reader
 * (live-reader.ts) for what views do not hold: distinct persons, and the moments before the
 * loader's first load when the tail cannot vouch for a read.
 *
 * Windows slide, so the views of the next seconds are loaded ahead: every family and window
 * length asked for in the last minute has the views of the window a few seconds from now
 * prepared in the background, and a request arriving on a minute boundary finds them ready.
 */
import type { LiveTarget } from './live-sql.js';
import type { LiveReader, TargetCount, TopQuery } from './live-reader.js';
import { ViewCache, type WindowViews } from './live-views.js';
import { windowRange, type TimeRange } from './live-window.js';
import { compareRanked, type RankedValue } from './live-merge.js';

/** What the live endpoints and snapshots read through. */
export interface CountReader {
  counts(projectId: string, targets: readonly LiveTarget[], range: TimeRange, options?: { persons?: boolean }): Promise<TargetCount[][]>;
  top(projectId: string, query: TopQuery): Promise<RankedValue[]>;
}

export interface ViewReaderOptions {
  /** How far ahead the views of active windows are prepared. */
  readonly leadMs: number;
  /** A family and window length not asked for this long is no longer prepared ahead. */
  readonly activeMs: number;
}

export const DEFAULT_VIEW_READER: ViewReaderOptions = { leadMs: 3_000, activeMs: 60_000 };

interface Active {
  readonly projectId: string;
  readonly event: string | null;
  readonly key: string | null;
  readonly windowMs: number;
  lastUsed: number;
}

/** Events of `value` in the window, summed over its views. */
function countIn(views: WindowViews, value: string, range: TimeRange): number {
  return views.first.count(value, range.from, range.to) + (views.span?.counts.get(value) ?? 0) + (views.last?.count(value, range.from, range.to) ?? 0);
}

function valuesOf(views: WindowViews): Set<string> {
  const out = new Set(views.first.points.keys());
  for (const v of views.span?.counts.keys() ?? []) out.add(v);
  for (const v of views.last?.points.keys() ?? []) out.add(v);
  return out;
}

export class ViewReader implements CountReader {
  private readonly active = new Map<string, Active>();
  private timer: NodeJS.Timeout | null = null;
  private answered = { views: 0, engine: 0 };

  constructor(
    private readonly views: ViewCache,
    private readonly engine: LiveReader,
    private readonly clock: () => number,
    private readonly options: ViewReaderOptions = DEFAULT_VIEW_READER,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Prepares the views of active windows ahead, once a second, and drops unused ones. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.prepare(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.views.close();
  }

  /** Answers given so far from views and from the engine reader. */
  stats(): { views: number; engine: number } {
    return { ...this.answered };
  }

  async counts(projectId: string, targets: readonly LiveTarget[], range: TimeRange, options: { persons?: boolean } = {}): Promise<TargetCount[][]> {
    if (options.persons) return this.fromEngine(() => this.engine.counts(projectId, targets, range, options));
    const windows = await Promise.all(targets.map((t) => this.windowOf(projectId, t.event, t.key, range)));
    if (windows.includes(null)) return this.fromEngine(() => this.engine.counts(projectId, targets, range, options));
    this.answered.views += 1;
    return targets.map((target, g) => {
      const views = windows[g]!;
      if (target.key === null) return [{ value: null, count: countIn(views, '', range) }];
      if (target.values === null) {
        let count = 0;
        for (const v of valuesOf(views)) count += countIn(views, v, range);
        return [{ value: null, count }];
      }
      return [...new Set(target.values)].map((v) => ({ value: v, count: countIn(views, v, range) }));
    });
  }

  async top(projectId: string, query: TopQuery): Promise<RankedValue[]> {
    const views = await this.windowOf(projectId, query.event, query.key, query.range);
    if (views === null) return this.fromEngine(() => this.engine.top(projectId, query));
    this.answered.views += 1;
    const ranked: RankedValue[] = [];
    for (const value of valuesOf(views)) {
      const count = countIn(views, value, query.range);
      if (count > 0) ranked.push({ value, count });
    }
    return ranked.sort(compareRanked).slice(0, query.limit);
  }

  private fromEngine<T>(read: () => Promise<T>): Promise<T> {
    this.answered.engine += 1;
    return read();
  }

  private windowOf(projectId: string, event: string | null, key: string | null, range: TimeRange): Promise<WindowViews | null> {
    const windowMs = range.to - range.from;
    const id = JSON.stringify([projectId, event, key, windowMs]);
    const now = this.clock();
    const found = this.active.get(id);
    if (found) found.lastUsed = now;
    else this.active.set(id, { projectId, event, key, windowMs, lastUsed: now });
    return this.views.window(projectId, { event, key }, range);
  }

  private prepare(): void {
    const now = this.clock();
    for (const [id, a] of this.active) {
      if (now - a.lastUsed > this.options.activeMs) {
        this.active.delete(id);
        continue;
      }
      const ahead = windowRange(now + this.options.leadMs, a.windowMs);
      this.views.window(a.projectId, { event: a.event, key: a.key }, ahead).catch(this.onError);
    }
    this.views.sweep();
  }
}
