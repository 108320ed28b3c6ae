/**
 * Runs a funnel on a store: plan, compile, execute one statement, shape the rows.
 */
import type { AnalysisContext } from '../analysis.js';
import { projectHasAliases } from '../event-source.js';
import type { FunnelDefinition } from './definition.js';
import { SET_OTHER, SET_PERIOD, SET_TOTAL, SET_VALUE, compileFunnel, type CompileOptions, type StatsRow } from './funnel-compiler.js';
import { planFunnel, type FunnelPlan } from './funnel-plan.js';
import { stepResults, type FunnelBreakdownRow, type FunnelResult, type StepStats } from './result.js';

function stepStats(row: StatsRow | undefined, n: number): StepStats[] {
  return Array.from({ length: n }, (_, k) => {
    const persons = Number(row?.counts[k] ?? 0);
    const timed = k > 0 && persons > 0;
    return {
      persons,
      sumMs: timed ? BigInt(row?.sums[k] ?? '0') : 0n,
      medianMs: timed ? Number(row?.medians[k] ?? 0) : null,
      p90Ms: timed ? Number(row?.p90s[k] ?? 0) : null,
    };
  });
}

export function shapeFunnel(plan: FunnelPlan, rows: readonly StatsRow[]): FunnelResult {
  const n = plan.steps.length;
  const labels = plan.steps.map((s) => s.label);
  const total = rows.find((r) => Number(r.set_id) === SET_TOTAL);
  const result: { -readonly [K in keyof FunnelResult]: FunnelResult[K] } = {
    order: plan.mode,
    windowMs: plan.windowMs,
    from: plan.fromMs === null ? null : new Date(plan.fromMs).toISOString(),
    to: plan.toMs === null ? null : new Date(plan.toMs).toISOString(),
    steps: stepResults(labels, stepStats(total, n)),
  };
  const bd = plan.breakdown;
  if (bd) {
    // Rows arrive ordered by persons entering (desc), then value.
    const breakdownRows: FunnelBreakdownRow[] = rows
      .filter((r) => Number(r.set_id) === SET_VALUE)
      .map((r) => ({ value: r.key, steps: stepResults(labels, stepStats(r, n)) }));
    const other = rows.find((r) => Number(r.set_id) === SET_OTHER);
    if (other) breakdownRows.push({ value: null, steps: stepResults(labels, stepStats(other, n)) });
    result.breakdown = { type: bd.type, property: bd.property, attributionStep: bd.attributionStep, rows: breakdownRows };
  }
  if (plan.trend) {
    const trendRows = rows
      .filter((r) => Number(r.set_id) === SET_PERIOD)
      .map((r) => {
        const entered = Number(r.entered);
        const converted = Number(r.converted);
        return { period: r.key, entered, converted, conversionRate: entered > 0 ? converted / entered : null };
      })
      .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
    result.trend = { interval: plan.trend, rows: trendRows };
  }
  return result;
}

export async function runFunnel(ctx: AnalysisContext, definition: FunnelDefinition, compile: Pick<CompileOptions, 'source'> = {}): Promise<FunnelResult> {
  const plan = planFunnel(definition, ctx);
  const aliases = await projectHasAliases(ctx.store, ctx.store.database, ctx.projectId);
  const q = compileFunnel(plan, ctx.store.database, ctx.projectId, { aliases, ...compile });
  const rows = await ctx.store.query<StatsRow>(q.sql, q.params);
  return shapeFunnel(plan, rows);
}
