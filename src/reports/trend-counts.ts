/**
 * Trends that count events (no breakdown, no compare, nothing read from persons): a bucket's
 * number is the number of its rows, so a saved report can add newly loaded rows to the count it
 * kept instead of counting the bucket again (see bucket-counts.ts).
 */
import type { ResultTable } from '../analyses/analysis.js';
import { trendsDefinitionSchema, type TrendsDefinition } from '../analyses/trends/definition.js';
import { trendsTable } from '../analyses/trends/index.js';
import { trendsCountsFragment } from '../analyses/trends/trends-compiler.js';
import type { Fragment } from '../analyses/kernel/sql.js';
import { buildPeriod } from '../analyses/trends/trends-shape.js';
import { bucketStartMs, nextBucketKey, type Interval } from '../analyses/shared/time-buckets.js';
import { resolveRange } from '../analyses/shared/time-range.js';
import type { QueryParams } from '../store/store.js';

export interface CountsPlan {
  /** The instants of the buckets `first`..`last`, or of the report's bounds (null: open). */
  range(keys: { first: number; last: number } | null): { fromMs: number | null; toMs: number | null };
  /**
   * Counted events per bucket and load time, columns `k` (bucket key), `loaded_at` and `n`, in
   * `range`; with `loadedAfter` (engine time text), only those loaded after it.
   */
  countsSql(target: { database: string; projectId: string }, range: { fromMs: number | null; toMs: number | null }, loadedAfter: string | null): Fragment;
  /** A bucket's rows when it holds `count` events: what its own analysis run gives. */
  table(key: number, count: number): ResultTable;
}

export interface TrendCountsInput {
  /** The report's definition without from/to. */
  readonly base: Readonly<Record<string, unknown>>;
  readonly interval: Interval;
  readonly timezone: string;
  readonly fromKey: number | null;
  readonly toKey: number | null;
  /** The definition of one bucket (from/to of that bucket). */
  readonly definitionFor: (key: number) => Record<string, unknown>;
}

/** A counts plan for a trends definition that is a count of events, or undefined. */
export function trendCounts(input: TrendCountsInput): CountsPlan | undefined {
  const probe = trendsDefinitionSchema.safeParse(input.definitionFor(input.fromKey ?? 0));
  // An invalid definition takes the general path, whose validation names the problem.
  if (!probe.success) return undefined;
  const def: TrendsDefinition = probe.data;
  if (def.measure.type !== 'count' || def.breakdown !== undefined || def.compare) return undefined;
  const tz = input.timezone;
  const startOf = (key: number) => bucketStartMs(key, input.interval, tz);
  return {
    range(keys) {
      const first = keys?.first ?? input.fromKey;
      const last = keys?.last ?? input.toKey;
      return {
        fromMs: first === null ? null : startOf(first),
        toMs: last === null ? null : startOf(nextBucketKey(last, input.interval, tz)),
      };
    },
    countsSql(target, range, loadedAfter) {
      return trendsCountsFragment({ ...target, timezone: tz, definition: def, range }, loadedAfter);
    },
    table(key, count) {
      const bucketDef = trendsDefinitionSchema.parse(input.definitionFor(key));
      const range = resolveRange(bucketDef.from, bucketDef.to, tz);
      const period = buildPeriod(bucketDef, tz, range, [{ kind: 'total', value: null }], new Map([['total', new Map([[key, count]])]]));
      return trendsTable({ interval: bucketDef.interval, measure: bucketDef.measure, timezone: tz, current: period });
    },
  };
}
