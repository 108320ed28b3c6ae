/**
 * Live counters and top lists: the store's pre-aggregated answer plus the in-memory tail of the
 * log, exact to the millisecond and to the last acknowledged event the tail has read.
 *
 * @example
 *   const reader = new LiveReader(store, tail);
 *   const [views] = await reader.counts('shop', [{ event: 'detailsView', key: 'article_id', values: ['123'] }],
 *     windowRange(Date.now(), 4 * HOUR_MS));
 */
import type { Store } from '../store/store.js';
import type { TailSnapshot } from './tail-index.js';
import { readsOf, splitRange, type LevelRead, type TimeRange } from './live-window.js';
import {
  countRows,
  countStatement,
  familyOf,
  levelsOf,
  personsStatement,
  topStatement,
  type CountRow,
  type LiveTarget,
  type PersonsReadRow,
  type PersonsRow,
  type TopRow,
} from './live-sql.js';
import { mergeCounts, mergePersons, mergeTop, tailPersons, tailTopValues, type Merged, type RankedValue } from './live-merge.js';

/** What the reader needs of the tail index. */
export interface TailSource {
  snapshot(projectId: string): TailSnapshot;
  waitForFloorAbove(position: number, timeoutMs: number): Promise<void>;
}

export interface TargetCount {
  /** The counted value, or null for a target without a value list. */
  readonly value: string | null;
  readonly count: number;
  /** Distinct person ids, when asked for. */
  readonly persons?: number;
}

export interface TopQuery {
  readonly event: string | null;
  readonly key: string;
  readonly range: TimeRange;
  readonly limit: number;
}

/** Attempts before an ambiguous answer is given as is (see live-merge.ts). */
const ATTEMPTS = 3;

export class LiveReader {
  constructor(private readonly store: Store, private readonly tail: TailSource) {}

  /**
   * One entry per target, in order: for a target with values, one count per distinct value in the
   * order given; otherwise a single count with value null.
   */
  async counts(projectId: string, targets: readonly LiveTarget[], range: TimeRange, options: { persons?: boolean } = {}): Promise<TargetCount[][]> {
    const groups = targets.map((target) => ({ target, reads: readsOf(splitRange(range, levelsOf(familyOf(target)))) }));
    return this.untilClear(projectId, async (tail) => {
      const counts = await this.countRows(projectId, groups, tail);
      const persons = options.persons ? await this.personRows(projectId, targets, range, tail) : null;
      const ambiguous = counts.some((c) => c.ambiguous) || (persons?.some((p) => p.ambiguous) ?? false);
      const value = targets.map((target, g) => {
        const byValue = counts[g]!.value;
        const people = persons?.[g]!.value;
        const keys = target.key !== null && target.values !== null ? [...new Set(target.values)] : [null];
        return keys.map((v) => ({
          value: v,
          count: byValue.get(v ?? '') ?? 0,
          ...(people ? { persons: people.get(v ?? '') ?? 0 } : {}),
        }));
      });
      return { value, ambiguous };
    });
  }

  /** Values of `key` ranked by count in the range (count descending, value ascending). */
  async top(projectId: string, query: TopQuery): Promise<RankedValue[]> {
    const reads = readsOf(splitRange(query.range, levelsOf('key')));
    return this.untilClear(projectId, async (tail) => {
      const pinned = tailTopValues(query, query.range, tail);
      const { sql, params } = topStatement(this.store.database, projectId, query, reads, pinned, query.limit);
      const rows = (await this.store.query<TopRow>(sql, params)).map((r) => ({ value: r.value, c: Number(r.c), xs: r.xs.map(Number) }));
      return mergeTop(query, reads, rows, tail, query.limit);
    });
  }

  private async countRows(
    projectId: string,
    groups: ReadonlyArray<{ target: LiveTarget; reads: LevelRead[] }>,
    tail: TailSnapshot,
  ): Promise<Array<Merged<Map<string, number>>>> {
    const { sql, params } = countStatement(this.store.database, projectId, groups);
    const rows = countRows(await this.store.query<{ g: number; r: number; v: string; c: number; x: number }>(sql, params));
    const byGroup = groups.map((): CountRow[] => []);
    for (const r of rows) byGroup[r.g]!.push(r);
    return groups.map((group, g) => mergeCounts(group.target, group.reads, byGroup[g]!, tail));
  }

  private async personRows(
    projectId: string,
    targets: readonly LiveTarget[],
    range: TimeRange,
    tail: TailSnapshot,
  ): Promise<Array<Merged<Map<string, number>>>> {
    const groups = targets.map((target) => ({ target, range, candidates: tailPersons(target, range, tail) }));
    const { sql, params } = personsStatement(this.store.database, projectId, groups);
    const rows = await this.store.query<PersonsReadRow>(sql, params);
    const byGroup = targets.map((): PersonsRow[] => []);
    for (const r of rows) {
      byGroup[Number(r.g)]!.push({ g: Number(r.g), value: r.v, persons: Number(r.persons), x: Number(r.x), seen: r.seen });
    }
    return targets.map((target, g) => mergePersons(target, range, byGroup[g]!, tail));
  }

  /** Runs `attempt` on a fresh tail snapshot until its answer is unambiguous (rarely twice). */
  private async untilClear<T>(projectId: string, attempt: (tail: TailSnapshot) => Promise<Merged<T>>): Promise<T> {
    for (let i = 1; ; i++) {
      // Taken before the store is asked, so the floor never passes anything the store may miss.
      const tail = this.tail.snapshot(projectId);
      const result = await attempt(tail);
      if (!result.ambiguous || i >= ATTEMPTS) return result.value;
      await this.tail.waitForFloorAbove(tail.floor, 2000);
    }
  }
}
