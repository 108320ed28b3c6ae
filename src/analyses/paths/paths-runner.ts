/** Runs a paths definition on the store. */
import type { AnalysisContext } from '../analysis.js';
import { resolveRange } from '../shared/time-range.js';
import type { PathsDefinition, PathsResult } from './definition.js';
import { ProjectScope } from '../kernel/scope.js';
import { projectLinks, type RowSource } from '../timeline-parts.js';
import { compilePaths, pathsSource } from './paths-compiler.js';
import { sankeyOf, type WeightedPath } from './paths-shape.js';

export interface PathsRunOptions {
  /** Force a source (tests, the benchmark's old path); by default `pathsSource(def)`. */
  readonly source?: RowSource;
}

export async function runPaths(ctx: AnalysisContext, def: PathsDefinition, options: PathsRunOptions = {}): Promise<PathsResult> {
  const range = resolveRange(def.from, def.to, ctx.timezone);
  let rows: WeightedPath[] = [];
  if (range.fromMs < range.toMs) {
    const source = options.source ?? pathsSource(def);
    const aliases = source === 'timeline' ? await projectLinks(ctx.store, new ProjectScope(ctx.store.database, ctx.projectId)) : true;
    const q = compilePaths({ database: ctx.store.database, projectId: ctx.projectId, definition: def, range, source, aliases });
    const raw = await ctx.store.query<{ path: string[]; n: number }>(q.sql, q.params);
    rows = raw.map((r) => ({ path: r.path, count: Number(r.n) }));
  }
  const { nodes, links } = sankeyOf(rows, def.steps);
  return {
    startEvent: def.startEvent,
    direction: def.direction,
    steps: def.steps,
    sessions: rows.reduce((s, r) => s + r.count, 0),
    nodes,
    links,
    // Rows arrive most common first, ties in the engine's array order.
    paths: rows.slice(0, def.limit).map((r) => ({ path: r.path, ended: r.path.length < def.steps + 1, count: r.count })),
  };
}
