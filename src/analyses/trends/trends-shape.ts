/**
 * Turns aggregated cells into the result shape: every bucket of the range in order (empty ones
 * filled: 0, or null for `avg`), one series per ranked breakdown value, `Other` last. Shared by
 * the engine runner and the reference so both present identical numbers identically.
 */
import { bucketKeysInRange, bucketLabel, bucketStartMs } from '../shared/time-buckets.js';
import type { TimeRange } from '../shared/time-range.js';
import type { TrendsDefinition, TrendsPeriod, TrendsSeries } from './definition.js';

export interface SeriesSpec {
  readonly kind: TrendsSeries['kind'];
  readonly value: string | null;
}

/** Map key of a series in a cells map. */
export function seriesId(s: SeriesSpec): string {
  return s.kind === 'value' ? `value:${JSON.stringify(s.value)}` : s.kind;
}

/** series id → bucket key → aggregated value. */
export type Cells = Map<string, Map<number, number | null>>;

export function addCell(cells: Cells, series: SeriesSpec, bucket: number, value: number | null): void {
  let m = cells.get(seriesId(series));
  if (!m) cells.set(seriesId(series), (m = new Map()));
  m.set(bucket, value);
}

export function seriesSpecs(
  def: TrendsDefinition,
  top: ReadonlyArray<string | null>,
  hasOther: boolean,
): SeriesSpec[] {
  if (!def.breakdown) return [{ kind: 'total', value: null }];
  const specs: SeriesSpec[] = top.map((value) => ({ kind: 'value', value }));
  if (hasOther) specs.push({ kind: 'other', value: null });
  return specs;
}

function seriesLabel(def: TrendsDefinition, s: SeriesSpec): string {
  if (s.kind === 'other') return 'Other';
  if (s.kind === 'value') return s.value ?? '(not set)';
  if (def.event === undefined) return 'all events';
  return typeof def.event === 'string' ? def.event : def.event.join(', ');
}

/**
 * -0 and 0 print alike, so deep equality and JSON should not tell them apart either; a sum beyond
 * the float range has no JSON form (the engine returns it as null), so it is null.
 */
function tidy(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return v === 0 ? 0 : v;
}

export function buildPeriod(
  def: TrendsDefinition,
  timeZone: string,
  range: TimeRange,
  specs: readonly SeriesSpec[],
  cells: Cells,
): TrendsPeriod {
  const keys = bucketKeysInRange(range, def.interval, timeZone);
  const known = new Set(keys);
  for (const [id, m] of cells) {
    for (const k of m.keys()) {
      // The engine's calendar and ours disagree; refuse rather than drop data silently.
      if (!known.has(k)) throw new Error(`bucket ${k} of series ${id} lies outside the range's buckets`);
    }
  }
  const empty = def.measure.type === 'avg' ? null : 0;
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    buckets: keys.map((k) => ({
      label: bucketLabel(k, def.interval, timeZone),
      start: new Date(bucketStartMs(k, def.interval, timeZone)).toISOString(),
    })),
    series: specs.map((s) => {
      const m = cells.get(seriesId(s));
      return { ...s, label: seriesLabel(def, s), values: keys.map((k) => tidy(m?.has(k) ? (m.get(k) ?? null) : empty)) };
    }),
  };
}
