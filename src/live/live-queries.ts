/**
 * The live reads the HTTP endpoints make, batched (read-batching.ts): counters of one event,
 * property and window share a run whatever their values; identical top lists share a run.
 */
import type { CountReader } from './view-reader.js';
import { ReadBatcher } from './read-batching.js';
import { windowRange } from './live-window.js';

export interface CounterRequest {
  readonly event: string | null;
  readonly key: string | null;
  /** null: every event with the key (or every event, without a key). */
  readonly value: string | null;
  readonly windowMs: number;
  readonly persons: boolean;
}

export interface CounterAnswer {
  /** The window's inclusive end: the answer is exact for (end − window, end]. */
  readonly end: number;
  readonly count: number;
  readonly persons?: number;
}

export interface TopSpec {
  readonly event: string | null;
  readonly key: string;
  readonly windowMs: number;
  readonly limit: number;
  /** A second event counted per listed value, side by side. */
  readonly second: string | null;
}

export interface TopItem {
  readonly rank: number;
  readonly value: string;
  readonly count: number;
  readonly secondCount?: number;
}

export interface TopAnswer {
  readonly end: number;
  readonly items: TopItem[];
}

interface CounterKind {
  readonly projectId: string;
  readonly event: string | null;
  readonly key: string | null;
  readonly byValue: boolean;
  readonly windowMs: number;
  readonly persons: boolean;
}

/** The top list of a spec for the window ending at `end`, with the second event's counts. */
export async function topItems(reader: CountReader, projectId: string, spec: TopSpec, end: number): Promise<TopItem[]> {
  const range = windowRange(end, spec.windowMs);
  const ranked = await reader.top(projectId, { event: spec.event, key: spec.key, range, limit: spec.limit });
  if (spec.second === null || ranked.length === 0) return ranked.map((r, i) => ({ rank: i + 1, ...r }));
  const [second] = await reader.counts(projectId, [{ event: spec.second, key: spec.key, values: ranked.map((r) => r.value) }], range);
  const by = new Map((second ?? []).map((c) => [c.value, c.count]));
  return ranked.map((r, i) => ({ rank: i + 1, ...r, secondCount: by.get(r.value) ?? 0 }));
}

export class LiveQueries {
  private readonly counters: ReadBatcher<CounterKind, string | null, CounterAnswer>;
  private readonly tops: ReadBatcher<{ projectId: string; spec: TopSpec }, null, TopAnswer>;

  constructor(private readonly reader: CountReader, private readonly now: () => number) {
    this.counters = new ReadBatcher((kind, values) => this.runCounters(kind, values));
    this.tops = new ReadBatcher(async ({ projectId, spec }, requests) => {
      const end = this.now();
      const items = await topItems(this.reader, projectId, spec, end);
      return requests.map(() => ({ end, items }));
    });
  }

  counter(projectId: string, req: CounterRequest): Promise<CounterAnswer> {
    const kind: CounterKind = { projectId, event: req.event, key: req.key, byValue: req.key !== null && req.value !== null, windowMs: req.windowMs, persons: req.persons };
    const id = JSON.stringify([projectId, kind.event, kind.key, kind.byValue, kind.windowMs, kind.persons]);
    return this.counters.submit(id, kind, kind.byValue ? req.value : null);
  }

  top(projectId: string, spec: TopSpec): Promise<TopAnswer> {
    const id = JSON.stringify([projectId, spec.event, spec.key, spec.windowMs, spec.limit, spec.second]);
    return this.tops.submit(id, { projectId, spec }, null);
  }

  private async runCounters(kind: CounterKind, values: ReadonlyArray<string | null>): Promise<CounterAnswer[]> {
    const end = this.now();
    const unique = kind.byValue ? [...new Set(values.filter((v): v is string => v !== null))] : null;
    const [counts] = await this.reader.counts(
      kind.projectId,
      [{ event: kind.event, key: kind.key, values: unique }],
      windowRange(end, kind.windowMs),
      { persons: kind.persons },
    );
    const byValue = new Map((counts ?? []).map((c) => [c.value, c]));
    return values.map((v) => {
      const c = byValue.get(kind.byValue ? v : null);
      return { end, count: c?.count ?? 0, ...(c?.persons === undefined ? {} : { persons: c.persons }) };
    });
  }
}
