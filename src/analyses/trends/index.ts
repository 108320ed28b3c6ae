/** Trends: a measure over time buckets, optionally broken down and compared with the period before. */
import type { Analysis, ResultTable } from '../analysis.js';
import { trendsDefinitionSchema, type TrendsDefinition, type TrendsResult } from './definition.js';
import { runTrends } from './trends-runner.js';
import { eventUses, filterUses, propertyUse } from '../kernel/name-uses.js';
import { resolveRange } from '../shared/time-range.js';

export type { TrendsDefinition, TrendsResult, TrendsSeries, TrendsPeriod, TrendsBucket } from './definition.js';
export { trendsDefinitionSchema } from './definition.js';

/** Long format, one row per bucket and series; with compare, the aligned previous bucket alongside. */
export function trendsTable(result: TrendsResult): ResultTable {
  const prev = result.previous;
  const columns = prev ? ['bucket', 'series', 'value', 'previous_bucket', 'previous_value'] : ['bucket', 'series', 'value'];
  const rows: Array<Array<string | number | null>> = [];
  result.current.series.forEach((s, si) => {
    result.current.buckets.forEach((b, bi) => {
      const row: Array<string | number | null> = [b.label, s.label, s.values[bi] ?? null];
      if (prev) row.push(prev.buckets[bi]?.label ?? null, prev.series[si]?.values[bi] ?? null);
      rows.push(row);
    });
  });
  return { columns, rows };
}

export const trendsAnalysis: Analysis<TrendsDefinition, TrendsResult> = {
  name: 'trends',
  description: 'Events, unique persons, or the sum/average of a numeric property per hour/day/week/month',
  schema: trendsDefinitionSchema,
  run: runTrends,
  toTable: trendsTable,
  names: (ctx, def) => ({
    uses: [
      ...eventUses(def.event, 'event'),
      ...filterUses(def.filters),
      ...(def.breakdown ? [propertyUse('breakdown', def.breakdown.source, def.breakdown.property)] : []),
      ...(def.measure.type === 'sum' || def.measure.type === 'avg' ? [propertyUse('measure', 'event', def.measure.property)] : []),
    ],
    range: resolveRange(def.from, def.to, ctx.timezone),
  }),
};
