/**
 * Persons behind a bar of the funnel: who reached step k (`converted`) or stopped just before it
 * (`dropped`: reached step k-1 but not k), with their person properties, a page at a time.
 */
import type { AnalysisContext } from '../analysis.js';
import { personPropertiesSql, projectHasAliases } from '../event-source.js';
import type { FunnelDefinition } from './definition.js';
import { compilePersons, type CompileOptions } from './funnel-compiler.js';
import { planFunnel } from './funnel-plan.js';

export interface PersonsAtStepOptions {
  /** 1-based step; `dropped` needs step >= 2. */
  readonly step: number;
  readonly status: 'converted' | 'dropped';
  readonly limit?: number;
  readonly offset?: number;
  /** Only persons attributed to this breakdown value (needs a breakdown in the definition). */
  readonly breakdownValue?: string;
}

export interface FunnelPerson {
  readonly personId: string;
  /** Furthest step of the person's reported attempt. */
  readonly reachedStep: number;
  /** When that attempt began (ISO, UTC). */
  readonly enteredAt: string;
  /** Latest value of each person property, traits of linked ids included (as a person breakdown reads them). */
  readonly properties: Record<string, string>;
}

export interface PersonsAtStepResult {
  readonly persons: FunnelPerson[];
  /** Persons matching, before paging. */
  readonly total: number;
}

export const DEFAULT_PERSONS_LIMIT = 100;
export const MAX_PERSONS_LIMIT = 10_000;

/** Problems with the options, as `{ path, message }` like definition issues; empty when fine. */
export function personsOptionIssues(definition: FunnelDefinition, o: PersonsAtStepOptions): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const n = definition.steps.length;
  if (!Number.isInteger(o.step) || o.step < 1 || o.step > n) issues.push({ path: 'step', message: `step must be 1..${n}` });
  else if (o.status === 'dropped' && o.step < 2) issues.push({ path: 'step', message: 'nobody drops before step 1; use step >= 2' });
  if (o.status !== 'converted' && o.status !== 'dropped') issues.push({ path: 'status', message: "status is 'converted' or 'dropped'" });
  const limit = o.limit ?? DEFAULT_PERSONS_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PERSONS_LIMIT) issues.push({ path: 'limit', message: `limit must be 1..${MAX_PERSONS_LIMIT}` });
  const offset = o.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) issues.push({ path: 'offset', message: 'offset must be a whole number >= 0' });
  if (o.breakdownValue !== undefined && !definition.breakdown) {
    issues.push({ path: 'breakdownValue', message: 'the definition has no breakdown' });
  }
  return issues;
}

interface PageRow { person_id: string; level: number; entry: string; value: string; total: number }

export async function personsAtStep(
  ctx: AnalysisContext,
  definition: FunnelDefinition,
  options: PersonsAtStepOptions,
  compile: Pick<CompileOptions, 'source'> = {},
): Promise<PersonsAtStepResult> {
  const issues = personsOptionIssues(definition, options);
  if (issues.length > 0) throw new RangeError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const plan = planFunnel(definition, ctx);
  const aliases = await projectHasAliases(ctx.store, ctx.store.database, ctx.projectId);
  const q = compilePersons(
    plan,
    ctx.store.database,
    ctx.projectId,
    {
      step: options.step,
      status: options.status,
      limit: options.limit ?? DEFAULT_PERSONS_LIMIT,
      offset: options.offset ?? 0,
      breakdownValue: options.breakdownValue,
    },
    { aliases, ...compile },
  );
  const rows = await ctx.store.query<PageRow>(q.page.sql, q.page.params);
  let total = Number(rows[0]?.total ?? 0);
  if (rows.length === 0 && (options.offset ?? 0) > 0) {
    const c = await ctx.store.query<{ total: number }>(q.count.sql, q.count.params);
    total = Number(c[0]?.total ?? 0);
  }
  const ids = rows.map((r) => r.person_id);
  const props = new Map<string, Record<string, string>>();
  if (ids.length > 0) {
    const propRows = await ctx.store.query<{ person_id: string; key: string; value: string }>(
      personPropertiesSql(ctx.store.database, 'ids'),
      { project: ctx.projectId, ids },
    );
    for (const r of propRows) {
      const m = props.get(r.person_id) ?? {};
      m[r.key] = r.value;
      props.set(r.person_id, m);
    }
  }
  return {
    total,
    persons: rows.map((r) => ({
      personId: r.person_id,
      reachedStep: Number(r.level),
      enteredAt: new Date(Number(r.entry)).toISOString(),
      properties: props.get(r.person_id) ?? {},
    })),
  };
}
