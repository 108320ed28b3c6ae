/**
 * Runs an analysis for the edge (API route, CLI): the result, plus `meta` with what each name in
 * the definition resolved to and the warnings for names the data does not have. `run` itself
 * stays the pure answer the reference implementations are compared with.
 */
import type { AnalysisContext, AnyAnalysis } from '../analysis.js';
import { checkNames, type NamesMeta } from './names.js';
import { ProjectScope } from './scope.js';

export async function runAnalysis(analysis: AnyAnalysis, ctx: AnalysisContext, definition: unknown): Promise<unknown> {
  const result: unknown = await analysis.run(ctx, definition);
  if (!analysis.names || typeof result !== 'object' || result === null) return result;
  const request = analysis.names(ctx, definition);
  const meta = await checkNames(ctx.store, new ProjectScope(ctx.store.database, ctx.projectId), request.uses, request.range);
  return { ...result, meta };
}

/** The warnings of a result `runAnalysis` returned (none for analyses without `names`). */
export function resultWarnings(result: unknown): readonly string[] {
  const meta = (result as { meta?: Partial<NamesMeta> } | null)?.meta;
  return Array.isArray(meta?.warnings) ? meta.warnings.filter((w): w is string => typeof w === 'string') : [];
}
