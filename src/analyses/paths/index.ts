/** Paths: what people do next (or did before) a given event within a session, for a Sankey. */
import type { Analysis, ResultTable } from '../analysis.js';
import { pathsDefinitionSchema, type PathsDefinition, type PathsResult } from './definition.js';
import { runPaths } from './paths-runner.js';
import { eventUses, filterUses } from '../kernel/name-uses.js';
import { resolveRange } from '../shared/time-range.js';

export type { PathsDefinition, PathsResult, PathsNode, PathsLink, PathsEntry } from './definition.js';
export { pathsDefinitionSchema } from './definition.js';

/** The top paths, one per row; `previous` paths read from the start event backwards. */
export function pathsTable(result: PathsResult): ResultTable {
  const arrow = result.direction === 'next' ? ' → ' : ' ← ';
  return {
    columns: ['rank', 'path', 'ended', 'count', 'share'],
    rows: result.paths.map((p, i) => [
      i + 1,
      p.path.join(arrow),
      p.ended ? 'yes' : 'no',
      p.count,
      result.sessions === 0 ? null : p.count / result.sessions,
    ]),
  };
}

export const pathsAnalysis: Analysis<PathsDefinition, PathsResult> = {
  name: 'paths',
  description: 'The most common next (or previous) events after (before) an event within a session, as Sankey nodes and links',
  schema: pathsDefinitionSchema,
  run: runPaths,
  toTable: pathsTable,
  names: (ctx, def) => ({
    uses: [...eventUses(def.startEvent, 'startEvent'), ...filterUses(def.filters)],
    range: resolveRange(def.from, def.to, ctx.timezone),
  }),
};
