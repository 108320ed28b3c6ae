/** Retention: cohorts by first occurrence, and how many came back in each later period. */
import type { Analysis, ResultTable } from '../analysis.js';
import { retentionDefinitionSchema, type RetentionDefinition, type RetentionResult } from './definition.js';
import { runRetention } from './retention-runner.js';
import { eventUses, filterUses } from '../kernel/name-uses.js';
import { resolveRange } from '../shared/time-range.js';

export type { RetentionDefinition, RetentionResult, RetentionCohort } from './definition.js';
export { retentionDefinitionSchema } from './definition.js';

/** One row per cohort: its size, then the persons retained in each period (empty = not yet observable). */
export function retentionTable(result: RetentionResult): ResultTable {
  const periods = Array.from({ length: result.periods + 1 }, (_, k) => `period_${k}`);
  return {
    columns: ['cohort', 'size', ...periods],
    rows: result.cohorts.map((c) => [c.cohort, c.size, ...c.values]),
  };
}

export const retentionAnalysis: Analysis<RetentionDefinition, RetentionResult> = {
  name: 'retention',
  description: 'Cohorts by first occurrence of an event and the share returning with another event in each later period',
  schema: retentionDefinitionSchema,
  run: runRetention,
  toTable: retentionTable,
  names: (ctx, def) => ({
    uses: [...eventUses(def.cohortEvent, 'cohortEvent'), ...eventUses(def.returnEvent, 'returnEvent'), ...filterUses(def.filters)],
    range: resolveRange(def.from, def.to, ctx.timezone),
  }),
};
