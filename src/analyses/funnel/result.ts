/**
 * What a funnel run returns, and its flat table form for the CLI and CSV.
 * Counts are exact integers; rates and averages are derived from them in one place
 * (`stepResults`), so the engine and the reference agree to the bit.
 */
import type { ResultTable } from '../analysis.js';
import type { OrderMode } from './definition.js';
import type { TrendInterval } from './funnel-plan.js';

export interface TimeToConvert {
  /** Mean of the per-person times from the previous step, in ms. */
  readonly avgMs: number;
  /** Nearest-rank median: the ceil(N/2)-th smallest time. */
  readonly medianMs: number;
  /** Nearest-rank 90th percentile: the ceil(9N/10)-th smallest time. */
  readonly p90Ms: number;
}

export interface FunnelStepResult {
  /** 1-based step number. */
  readonly index: number;
  readonly label: string;
  /** Persons whose reported attempt reached this step. */
  readonly persons: number;
  /** persons / persons at the previous step; null for step 1 or when the previous step has none. */
  readonly conversionFromPrevious: number | null;
  /** persons / persons at step 1; null when step 1 has none. */
  readonly conversionFromFirst: number | null;
  /** Persons who reached the previous step but not this one; null for step 1. */
  readonly dropOff: number | null;
  readonly dropOffRate: number | null;
  /** Time from the previous step, over the persons who reached this step; null for step 1 or no persons. */
  readonly timeToConvert: TimeToConvert | null;
}

export interface FunnelBreakdownRow {
  /** The breakdown value ('' = not set); null for the "Other" row that gathers values beyond the top N. */
  readonly value: string | null;
  readonly steps: readonly FunnelStepResult[];
}

export interface FunnelTrendRow {
  /** First day (YYYY-MM-DD, project time zone) of the day, ISO week or month of entry. */
  readonly period: string;
  /** Persons whose reported attempt entered the funnel in this period. */
  readonly entered: number;
  /** Of those, persons who reached the last step. */
  readonly converted: number;
  readonly conversionRate: number | null;
}

export interface FunnelResult {
  readonly order: OrderMode;
  readonly windowMs: number;
  /** Resolved bounds on when step 1 happened (ISO, UTC); null = unbounded. */
  readonly from: string | null;
  readonly to: string | null;
  readonly steps: readonly FunnelStepResult[];
  readonly breakdown?: {
    readonly type: 'event' | 'person' | 'column';
    readonly property: string;
    readonly attributionStep: number;
    readonly rows: readonly FunnelBreakdownRow[];
  };
  readonly trend?: { readonly interval: TrendInterval; readonly rows: readonly FunnelTrendRow[] };
}

/** Per-step raw aggregates: what the engine computes in SQL and the reference by hand. */
export interface StepStats {
  readonly persons: number;
  /** Sum of times from the previous step over those persons, exact (ms). 0n for step 1. */
  readonly sumMs: bigint;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function stepResults(labels: readonly string[], stats: readonly StepStats[]): FunnelStepResult[] {
  const first = stats[0]?.persons ?? 0;
  return labels.map((label, i) => {
    const s = stats[i] ?? { persons: 0, sumMs: 0n, medianMs: null, p90Ms: null };
    const prev = i > 0 ? (stats[i - 1]?.persons ?? 0) : null;
    const timed = i > 0 && s.persons > 0 && s.medianMs !== null && s.p90Ms !== null;
    return {
      index: i + 1,
      label,
      persons: s.persons,
      conversionFromPrevious: prev === null ? null : ratio(s.persons, prev),
      conversionFromFirst: ratio(s.persons, first),
      dropOff: prev === null ? null : prev - s.persons,
      dropOffRate: prev === null ? null : ratio(prev - s.persons, prev),
      timeToConvert: timed
        ? { avgMs: Number(s.sumMs) / s.persons, medianMs: s.medianMs ?? 0, p90Ms: s.p90Ms ?? 0 }
        : null,
    };
  });
}

const pct = (x: number | null): string | null => (x === null ? null : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x));

function stepRows(segment: string, steps: readonly FunnelStepResult[]): (string | number | null)[][] {
  return steps.map((s) => [
    segment, s.index, s.label, s.persons, pct(s.conversionFromPrevious), pct(s.conversionFromFirst), s.dropOff,
    pct(s.dropOffRate), ms(s.timeToConvert?.avgMs), ms(s.timeToConvert?.medianMs), ms(s.timeToConvert?.p90Ms),
  ]);
}

/**
 * One row per step (per breakdown value after the totals). The trend is a separate view: it is
 * returned by `trendTable`.
 */
export function funnelTable(result: FunnelResult): ResultTable {
  const columns = [
    'segment', 'step', 'label', 'persons', 'from_previous', 'from_first', 'drop_off', 'drop_off_rate',
    'avg_ms', 'median_ms', 'p90_ms',
  ];
  const rows = stepRows('all', result.steps);
  for (const b of result.breakdown?.rows ?? []) {
    rows.push(...stepRows(b.value === null ? '(other)' : b.value === '' ? '(none)' : b.value, b.steps));
  }
  return { columns, rows };
}

export function trendTable(result: FunnelResult): ResultTable {
  return {
    columns: ['period', 'entered', 'converted', 'conversion_rate'],
    rows: (result.trend?.rows ?? []).map((r) => [r.period, r.entered, r.converted, pct(r.conversionRate)]),
  };
}
