/** The engagement analysis: time on content per day, per person and day, or per content item and day. */
import type { Analysis, AnalysisContext } from '../analysis.js';
import type { EngagementDefinition } from './definition.js';
import { engagementDefinitionSchema, planEngagement } from './definition.js';
import type { EngagementDay, EngagementItemDay, EngagementPersonDay, EngagementResult } from './result.js';
import { engagementTable } from './result.js';
import { compileEngagement, engagementSource, type EngagementTarget } from './engagement-compiler.js';
import { ProjectScope } from '../kernel/scope.js';
import { projectLinks, type RowSource } from '../timeline-parts.js';
import { eventUses, propertyUse } from '../kernel/name-uses.js';
import { optionalRange } from '../shared/time-range.js';

export type { EngagementDefinition } from './definition.js';
export type { EngagementDay, EngagementItemDay, EngagementPersonDay, EngagementResult } from './result.js';

/** Where the store is, the source (forced or `engagementSource`) and, on the timeline, whether it needs the link lookups. */
async function target(ctx: AnalysisContext, source: RowSource): Promise<EngagementTarget> {
  const aliases = source === 'timeline' ? await projectLinks(ctx.store, new ProjectScope(ctx.store.database, ctx.projectId)) : true;
  return { database: ctx.store.database, projectId: ctx.projectId, timezone: ctx.timezone, source, aliases };
}

export interface EngagementRunOptions {
  /** Force a source (tests, the benchmark's old path); by default `engagementSource(plan)`. */
  readonly source?: RowSource;
}

export async function runEngagement(ctx: AnalysisContext, def: EngagementDefinition, options: EngagementRunOptions = {}): Promise<EngagementResult> {
  const plan = planEngagement(def);
  const q = compileEngagement(plan, await target(ctx, options.source ?? engagementSource(plan)), false);
  switch (plan.report) {
    case 'daily':
      return { report: 'daily', rows: await ctx.store.query<EngagementDay>(q.sql, q.params) };
    case 'per_person_day':
      return { report: 'per_person_day', rows: await ctx.store.query<EngagementPersonDay>(q.sql, q.params) };
    case 'per_item_day':
      return { report: 'per_item_day', keys: plan.keys, rows: await ctx.store.query<EngagementItemDay>(q.sql, q.params) };
  }
}

export const engagementAnalysis: Analysis<EngagementDefinition, EngagementResult> = {
  name: 'engagement',
  description:
    'Time on content: dwell time of content views (time to the next event in the same session), ' +
    'per day, per person and day, or per content key (e.g. merchant, flyer) and day.',
  schema: engagementDefinitionSchema,
  run: runEngagement,
  toTable: engagementTable,
  export: (ctx, def, format) => engagementExport(ctx, def, format),
  names: (ctx, def) => ({
    uses: [
      ...eventUses(def.contentEvents, 'contentEvents'),
      ...eventUses(def.heartbeatEvents, 'heartbeatEvents'),
      ...(def.keys ?? []).map((k, i) => propertyUse(`keys[${i}]`, 'event', k)),
      ...(def.durationProperty !== undefined ? [propertyUse('durationProperty', 'event', def.durationProperty)] : []),
    ],
    range: optionalRange(def.from, def.to, ctx.timezone),
  }),
};

/**
 * The report as bytes for BI tools. In per_item_day the key values are columns key_1..key_n,
 * in the order of the definition's `keys`.
 */
export async function engagementExport(
  ctx: AnalysisContext,
  def: EngagementDefinition,
  format: 'CSVWithNames' | 'Parquet',
): Promise<Uint8Array> {
  const plan = planEngagement(def);
  const q = compileEngagement(plan, await target(ctx, engagementSource(plan)), true);
  return ctx.store.queryRaw(q.sql, q.params, format);
}
