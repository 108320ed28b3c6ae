/** The sessions analysis: daily session report with goal flags, session list, and export. */
import type { Analysis, AnalysisContext } from '../analysis.js';
import type { SessionsDefinition } from './definition.js';
import { DEFAULT_LIST_LIMIT, planSessions, sessionsDefinitionSchema } from './definition.js';
import { isoFromEngineTime } from './local-date.js';
import type { SessionDay, SessionRow, SessionsResult } from './result.js';
import { sessionsTable } from './result.js';
import { compileDaily, compileList, type SessionsTarget } from './sessions-compiler.js';
import { projectHasAliases } from '../event-source.js';

export type { SessionsDefinition } from './definition.js';
export type { SessionDay, SessionRow, SessionsResult } from './result.js';

type ListRowText = Omit<SessionRow, 'start' | 'end'> & { start: string; end: string; total?: number };

async function target(ctx: AnalysisContext, source?: SessionsTarget['source']): Promise<SessionsTarget> {
  const aliases = await projectHasAliases(ctx.store, ctx.store.database, ctx.projectId);
  return { database: ctx.store.database, projectId: ctx.projectId, timezone: ctx.timezone, aliases, ...(source ? { source } : {}) };
}

/** The analysis' run; `source` forces where events are read from (the benchmark's old path, tests). */
export async function runSessions(ctx: AnalysisContext, def: SessionsDefinition, source?: SessionsTarget['source']): Promise<SessionsResult> {
  const plan = planSessions(def);
  const t = await target(ctx, source);
  if (plan.view === 'daily') {
    const q = compileDaily(plan, t);
    return { view: 'daily', days: await ctx.store.query<SessionDay>(q.sql, q.params) };
  }
  const q = compileList(plan, t, plan.list.limit ?? DEFAULT_LIST_LIMIT, true);
  const rows = await ctx.store.query<ListRowText>(q.sql, q.params);
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && plan.list.offset > 0) {
    // Paged past the end: the window total came with no row to carry it.
    const all = compileList({ ...plan, list: { ...plan.list, offset: 0 } }, t, null, false);
    const counted = await ctx.store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM (${all.sql})`, all.params);
    total = counted[0]?.n ?? 0;
  }
  const sessions = rows.map(({ total: _total, ...r }) => ({ ...r, start: isoFromEngineTime(r.start), end: isoFromEngineTime(r.end) }));
  return { view: 'list', sessions, total };
}

export const sessionsAnalysis: Analysis<SessionsDefinition, SessionsResult> = {
  name: 'sessions',
  description:
    'Sessions per person (inactivity timeout, max length, optional midnight and channel splits): ' +
    'daily sessions, persons, durations, bounce rate and intent → success conversion, or a filterable session list.',
  schema: sessionsDefinitionSchema,
  run: (ctx, def) => runSessions(ctx, def),
  toTable: sessionsTable,
  export: (ctx, def, format) => sessionsExport(ctx, def, format),
};

/**
 * The same report as bytes, for downloads: every matching session for the list view (the
 * definition's limit only when it sets one). Times are UTC DateTime64 columns.
 */
export async function sessionsExport(
  ctx: AnalysisContext,
  def: SessionsDefinition,
  format: 'CSVWithNames' | 'Parquet',
): Promise<Uint8Array> {
  const plan = planSessions(def);
  const t = await target(ctx);
  const q = plan.view === 'daily' ? compileDaily(plan, t) : compileList(plan, t, plan.list.limit, false);
  return ctx.store.queryRaw(q.sql, q.params, format);
}
