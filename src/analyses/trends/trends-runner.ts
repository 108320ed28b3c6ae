/** Runs a trends definition on the store: rank breakdown values, aggregate, shape. */
import type { AnalysisContext } from '../analysis.js';
import { previousRange } from '../shared/time-buckets.js';
import { resolveRange, type TimeRange } from '../shared/time-range.js';
import type { TrendsDefinition, TrendsResult } from './definition.js';
import { compileTrendsRanking, compileTrendsSeries, type TrendsQueryInput } from './trends-compiler.js';
import { addCell, buildPeriod, seriesSpecs, type Cells } from './trends-shape.js';

interface SeriesRow {
  k: number;
  other: number;
  grp: string | null;
  v: number | null;
}

async function aggregate(
  ctx: AnalysisContext,
  input: TrendsQueryInput,
  top: ReadonlyArray<string | null> | undefined,
): Promise<{ cells: Cells; hasOther: boolean }> {
  const topSpec = top
    ? { values: top.filter((v): v is string => v !== null), includesNull: top.includes(null) }
    : undefined;
  const q = compileTrendsSeries(input, topSpec);
  const rows = await ctx.store.query<SeriesRow>(q.sql, q.params);
  const cells: Cells = new Map();
  let hasOther = false;
  for (const r of rows) {
    const kind = !input.definition.breakdown ? 'total' : Number(r.other) === 1 ? 'other' : 'value';
    if (kind === 'other') hasOther = true;
    addCell(cells, { kind, value: kind === 'value' ? r.grp : null }, Number(r.k), r.v === null ? null : Number(r.v));
  }
  return { cells, hasOther };
}

export async function runTrends(ctx: AnalysisContext, def: TrendsDefinition): Promise<TrendsResult> {
  const tz = ctx.timezone;
  const range = resolveRange(def.from, def.to, tz);
  const input = (r: TimeRange): TrendsQueryInput => ({
    database: ctx.store.database,
    projectId: ctx.projectId,
    timezone: tz,
    definition: def,
    range: r,
  });

  let top: Array<string | null> | undefined;
  if (def.breakdown) {
    const q = compileTrendsRanking(input(range), def.breakdown.limit);
    top = (await ctx.store.query<{ bv: string | null }>(q.sql, q.params)).map((r) => r.bv);
  }
  const current = await aggregate(ctx, input(range), top);
  const prevRange = def.compare ? previousRange(range, def.interval, tz) : undefined;
  const previous = prevRange ? await aggregate(ctx, input(prevRange), top) : undefined;

  const specs = seriesSpecs(def, top ?? [], current.hasOther || (previous?.hasOther ?? false));
  return {
    interval: def.interval,
    measure: def.measure,
    timezone: tz,
    current: buildPeriod(def, tz, range, specs, current.cells),
    ...(prevRange && previous ? { previous: buildPeriod(def, tz, prevRange, specs, previous.cells) } : {}),
  };
}
