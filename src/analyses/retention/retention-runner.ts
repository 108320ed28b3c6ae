/** Runs a retention definition on the store. */
import type { AnalysisContext } from '../analysis.js';
import { resolveRange } from '../shared/time-range.js';
import type { RetentionDefinition, RetentionResult } from './definition.js';
import { ProjectScope } from '../kernel/scope.js';
import { projectLinks, type RowSource } from '../timeline-parts.js';
import { compileRetention, retentionSource } from './retention-compiler.js';
import { addCount, buildRetention, type RetentionCounts } from './retention-shape.js';

export interface RetentionRunOptions {
  /** Force a source (tests, the benchmark's old path); by default `retentionSource(def)`. */
  readonly source?: RowSource;
}

export async function runRetention(ctx: AnalysisContext, def: RetentionDefinition, options: RetentionRunOptions = {}): Promise<RetentionResult> {
  const range = resolveRange(def.from, def.to, ctx.timezone);
  const counts: RetentionCounts = new Map();
  if (range.fromMs < range.toMs) {
    const source = options.source ?? retentionSource(def);
    const aliases = source === 'timeline' ? await projectLinks(ctx.store, new ProjectScope(ctx.store.database, ctx.projectId)) : true;
    const q = compileRetention({
      source,
      aliases,
      database: ctx.store.database,
      projectId: ctx.projectId,
      timezone: ctx.timezone,
      definition: def,
      range,
    });
    const rows = await ctx.store.query<{ c: number; k: number; n: number }>(q.sql, q.params);
    for (const r of rows) addCount(counts, Number(r.c), Number(r.k), Number(r.n));
  }
  return buildRetention(def, ctx.timezone, range, ctx.now(), counts);
}
