/** Shapes of an engagement result and its flat table form. */
import type { ResultTable } from '../analysis.js';
import { METRIC_COLUMNS } from './engagement-compiler.js';

/** Time spent on views whose dwell is known; views without one are counted, not timed. */
export interface ViewMetrics {
  readonly views: number;
  readonly measuredViews: number;
  /** Views that ended their session with no explicit duration: no dwell to measure. */
  readonly unmeasuredViews: number;
  readonly totalTimeMs: number;
  /** totalTimeMs / measuredViews; null when no view was measured. */
  readonly avgTimePerViewMs: number | null;
}

export interface EngagementDay extends ViewMetrics {
  readonly day: string;
  readonly persons: number;
  /** Persons with at least one measured view. */
  readonly measuredPersons: number;
  /** totalTimeMs / measuredPersons: average time on content per person that day. */
  readonly avgTimePerPersonMs: number | null;
}

export interface EngagementPersonDay extends ViewMetrics {
  readonly day: string;
  readonly personId: string;
}

export interface EngagementItemDay extends ViewMetrics {
  readonly day: string;
  /** Values of the definition's keys, in the same order ('' when a view lacks the property). */
  readonly key: readonly string[];
  readonly uniquePersons: number;
  readonly measuredPersons: number;
  readonly avgTimePerPersonMs: number | null;
}

export type EngagementResult =
  | { readonly report: 'daily'; readonly rows: readonly EngagementDay[] }
  | { readonly report: 'per_person_day'; readonly rows: readonly EngagementPersonDay[] }
  | { readonly report: 'per_item_day'; readonly keys: readonly string[]; readonly rows: readonly EngagementItemDay[] };

type Cell = string | number | null;

export function engagementTable(result: EngagementResult): ResultTable {
  const metrics = METRIC_COLUMNS[result.report];
  const pick = (row: object): Cell[] => metrics.map((m) => (row as Record<string, Cell>)[m] ?? null);
  switch (result.report) {
    case 'daily':
      return { columns: ['day', ...metrics], rows: result.rows.map((r) => [r.day, ...pick(r)]) };
    case 'per_person_day':
      return { columns: ['day', 'personId', ...metrics], rows: result.rows.map((r) => [r.day, r.personId, ...pick(r)]) };
    case 'per_item_day':
      return {
        columns: ['day', ...result.keys, ...metrics],
        rows: result.rows.map((r) => [r.day, ...r.key, ...pick(r)]),
      };
  }
}
