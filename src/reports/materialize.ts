/**
 * One run of a report: decide which buckets to recompute, run the analysis on each, and make the
 * new rows current bucket by bucket. Idempotent: a run that dies midway leaves the previous rows
 * current (or the new ones, for the buckets it finished) and does not move the watermark, so the
 * next run recomputes the same buckets again.
 */
import type { AnalysisContext, ResultTable } from '../analyses/analysis.js';
import { bucketKeyOf, bucketLabel, nextBucketKey } from '../analyses/shared/time-buckets.js';
import { parseTimeInput, resolveBound } from '../analyses/shared/time-range.js';
import { keysBetween, planReport, shiftKey, type BucketedPlan, type FullPlan, type PersonStatePlan } from './report-plan.js';
import { PersonDayState, type Scopes } from './person-day-state.js';
import { projectHasAliases } from '../analyses/event-source.js';
import { queryRows } from '../analyses/kernel/run.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { sql } from '../analyses/kernel/sql.js';
import type { Report } from './report-definition.js';
import type { BucketRows } from './report-repo.js';
import { touchedBuckets, touchedPersons } from './touched-buckets.js';
import { materializeCounts } from './bucket-counts.js';
import type { MaterializeContext, MaterializeMode, MaterializeOutcome } from './materialize-context.js';
import { readFrom } from './watermark.js';

export type { MaterializeContext, MaterializeMode, MaterializeOutcome };

/** Buckets written per round trip: results of several small buckets go in one insert. */
const BATCH = 16;
/** Buckets computed by one run of an analysis that can split its rows by bucket. */
const GROUP = 62;

export class MaterializeError extends Error {
  override readonly name = 'MaterializeError';
}

function context(ctx: MaterializeContext, report: Report): AnalysisContext {
  return { store: ctx.store, projectId: report.projectId, timezone: ctx.timezone, now: ctx.now };
}

function validated(ctx: MaterializeContext, definition: Record<string, unknown>): unknown {
  const parsed = ctx.analysis.schema.safeParse(definition);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new MaterializeError(`the ${ctx.analysis.name} definition is not valid for ${JSON.stringify(definition.from ?? '')}..${JSON.stringify(definition.to ?? '')}: ${issues}`);
  }
  return parsed.data;
}

async function runOne(ctx: MaterializeContext, report: Report, definition: Record<string, unknown>): Promise<unknown> {
  return ctx.analysis.run(context(ctx, report), validated(ctx, definition));
}

export async function materialize(ctx: MaterializeContext, report: Report, mode: MaterializeMode): Promise<MaterializeOutcome> {
  const plan = planReport({ analysis: ctx.analysis, definition: report.definition, timezone: ctx.timezone, rollingDays: report.rollingDays });
  return plan.kind === 'full' ? materializeFull(ctx, report, plan) : materializeBuckets(ctx, report, plan, mode);
}

async function currentWatermark(ctx: MaterializeContext, report: Report): Promise<string | null> {
  const scope = new ProjectScope(ctx.store.database, report.projectId);
  const rows = await queryRows<{ w: string | null }>(ctx.store, sql`SELECT if(count() = 0, NULL, toString(max(loaded_at))) AS w FROM ${scope.rows('events')}`);
  return rows[0]?.w ?? null;
}

async function materializeFull(ctx: MaterializeContext, report: Report, plan: FullPlan): Promise<MaterializeOutcome> {
  ctx.onProgress?.(0, 1);
  const watermark = await currentWatermark(ctx, report);
  const table = plan.table(await runOne(ctx, report, plan.definitionAt(ctx.now())));
  const state = await ctx.repo.state(report.projectId, report.reportId, report.revision);
  const rows = await ctx.repo.writeBuckets(report.projectId, report.reportId, report.revision, state.nextVersion, ctx.runId, ctx.now(), [
    { bucket: 0, label: '', columns: table.columns, rows: table.rows },
  ]);
  await ctx.repo.cleanup(report.projectId, report.reportId, report.revision);
  ctx.onProgress?.(1, 1);
  return { buckets: 1, rows, watermark };
}

/** The bucket keys a run recomputes, in order. Exported for tests. */
export function bucketsToRecompute(
  plan: Pick<BucketedPlan, 'interval' | 'before' | 'after' | 'fromKey' | 'toKey'>,
  timezone: string,
  extent: { lo: number; hi: number } | null,
  touched: readonly number[],
): { keys: number[]; extent: { lo: number; hi: number } | null } {
  const inBounds = (k: number) => (plan.fromKey === null || k >= plan.fromKey) && (plan.toKey === null || k <= plan.toKey);
  const events = touched.filter(inBounds);
  if (events.length === 0) return { keys: [], extent };
  // The materialized range is contiguous from the first to the last bucket with events, so a
  // bucket with no events inside it reads as zero rather than missing, as a whole-range run has it.
  const lo = events.reduce((m, k) => Math.min(m, k), extent?.lo ?? Infinity);
  const hi = events.reduce((m, k) => Math.max(m, k), extent?.hi ?? -Infinity);
  const keys = new Set<number>();
  for (const k of events) {
    const first = Math.max(lo, shiftKey(k, -plan.before, plan.interval, timezone));
    const last = Math.min(hi, shiftKey(k, plan.after, plan.interval, timezone));
    for (const x of keysBetween(first, last, plan.interval, timezone)) keys.add(x);
  }
  if (extent === null) {
    for (const x of keysBetween(lo, hi, plan.interval, timezone)) keys.add(x);
  } else {
    if (lo < extent.lo) for (const x of keysBetween(lo, shiftKey(extent.lo, -1, plan.interval, timezone), plan.interval, timezone)) keys.add(x);
    if (hi > extent.hi) for (const x of keysBetween(shiftKey(extent.hi, 1, plan.interval, timezone), hi, plan.interval, timezone)) keys.add(x);
  }
  return { keys: [...keys].sort((a, b) => a - b), extent: { lo, hi } };
}

function backfillKeys(plan: BucketedPlan, timezone: string, from: string, to: string): number[] {
  const bound = (text: string, role: 'from' | 'to'): number => {
    const parsed = parseTimeInput(text);
    if (typeof parsed === 'string') throw new MaterializeError(`--${role} "${text}": ${parsed}`);
    const ms = resolveBound(parsed, role, timezone);
    return bucketKeyOf(role === 'to' ? ms - 1 : ms, plan.interval, timezone);
  };
  let first = bound(from, 'from');
  let last = bound(to, 'to');
  if (first > last) throw new MaterializeError(`backfill range ${from}..${to} is empty`);
  if (plan.fromKey !== null) first = Math.max(first, plan.fromKey);
  if (plan.toKey !== null) last = Math.min(last, plan.toKey);
  return first > last ? [] : keysBetween(first, last, plan.interval, timezone);
}

/** Runs of consecutive keys, each at most GROUP long (one group per key without `split`). */
function consecutiveGroups(keys: readonly number[], plan: BucketedPlan, timezone: string): number[][] {
  const groups: number[][] = [];
  for (const k of keys) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (plan.split && last && prev !== undefined && last.length < GROUP && nextBucketKey(prev, plan.interval, timezone) === k) last.push(k);
    else groups.push([k]);
  }
  return groups;
}

/** A group's table as the rows of each of its buckets (in bucket order, one run per group). */
function bucketRows(ctx: MaterializeContext, plan: BucketedPlan, keys: readonly number[], table: ResultTable): BucketRows[] {
  const label = (k: number) => bucketLabel(k, plan.interval, ctx.timezone);
  const first = keys[0];
  const split = plan.split && keys.length > 1 ? plan.split(keys, table) : new Map(first === undefined ? [] : [[first, table.rows]]);
  return keys.map((k) => ({ bucket: k, label: label(k), columns: table.columns, rows: split.get(k) ?? [] }));
}

async function computeGroup(ctx: MaterializeContext, report: Report, plan: BucketedPlan, keys: readonly number[]): Promise<BucketRows[]> {
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first === undefined || last === undefined) return [];
  if (keys.length === 1 || !plan.split) {
    return bucketRows(ctx, plan, [first], plan.table(first, await runOne(ctx, report, plan.definitionFor(first))));
  }
  // One run from the first bucket's start to the last one's end, rows split back by bucket.
  return bucketRows(ctx, plan, keys, plan.table(first, await runOne(ctx, report, { ...plan.definitionFor(first), to: plan.definitionFor(last).to })));
}

/** What every group of a run kept per person shares. */
interface StateRun {
  readonly personState: PersonStatePlan;
  readonly state: PersonDayState;
  readonly version: number;
  /** Whether the project has alias links (looked up once per run). */
  readonly aliases: boolean;
  /** null = everyone (first run, backfill). */
  readonly scopes: Scopes | null;
}

/**
 * Consecutive days of a report kept per person: rewrites the state rows of the persons in
 * scope on those days, then adds each day up from the state.
 */
async function computeGroupFromState(ctx: MaterializeContext, report: Report, plan: BucketedPlan, run: StateRun, keys: readonly number[]): Promise<BucketRows[]> {
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first === undefined || last === undefined) return [];
  const definition = validated(ctx, { ...plan.definitionFor(first), to: plan.definitionFor(last).to });
  const target = { database: ctx.store.database, projectId: report.projectId, timezone: ctx.timezone, aliases: run.aliases };
  const key = { projectId: report.projectId, reportId: report.reportId, revision: report.revision };
  const days = { first: bucketLabel(first, plan.interval, ctx.timezone), last: bucketLabel(last, plan.interval, ctx.timezone) };
  const scope = run.scopes?.near(days) ?? null;
  const replaced = await run.state.write(key, run.version, days, run.personState.rowsSql(definition, target, scope?.scope ?? null), scope);
  const current = run.state.current(key, days, replaced);
  const rows = await ctx.store.query(run.personState.fromStateSql(current.sql), current.params);
  return bucketRows(ctx, plan, keys, plan.table(first, run.personState.result(rows)));
}

async function materializeBuckets(ctx: MaterializeContext, report: Report, plan: BucketedPlan, mode: MaterializeMode): Promise<MaterializeOutcome> {
  const { projectId, reportId, revision } = report;
  const state = await ctx.repo.state(projectId, reportId, revision);
  if (plan.counts) {
    return materializeCounts(ctx, report, { counts: plan.counts, interval: plan.interval }, state, mode.kind === 'backfill'
      ? { kind: 'backfill', keys: backfillKeys(plan, ctx.timezone, mode.from, mode.to) }
      : { kind: 'incremental', keysFor: (touched) => bucketsToRecompute(plan, ctx.timezone, state.extent, touched).keys });
  }
  let keys: number[];
  let watermark: string | null = null;
  let since: string | null = null;
  if (mode.kind === 'backfill') {
    keys = backfillKeys(plan, ctx.timezone, mode.from, mode.to);
  } else {
    const last = state.watermark;
    since = readFrom(state, ctx.overlapMs);
    const touched = await touchedBuckets({
      store: ctx.store, projectId, timezone: ctx.timezone, interval: plan.interval, identity: plan.identity, since,
    });
    keys = bucketsToRecompute(plan, ctx.timezone, state.extent, touched.keys).keys;
    watermark = touched.watermark ?? last;
  }
  let stateRun: StateRun | null = null;
  if (plan.personState && keys.length > 0) {
    const personState = new PersonDayState(ctx.store);
    const aliases = await projectHasAliases(ctx.store, ctx.store.database, projectId);
    let scopes: Scopes | null = null;
    // Only the touched persons: the days added between the old extent and new events hold
    // nobody else's sessions, since nobody else has events there.
    if (since !== null) {
      const touchedSql = touchedPersons(ctx.store.database, projectId, ctx.timezone, plan.identity, since);
      scopes = await personState.scope({ projectId, reportId, revision }, ctx.runId, touchedSql.persons, touchedSql.params, plan.before, aliases);
    }
    stateRun = { personState: plan.personState, state: personState, version: state.nextVersion, aliases, scopes };
  }
  ctx.onProgress?.(0, keys.length);
  let rows = 0;
  let done = 0;
  let pending: BucketRows[] = [];
  const flush = async () => {
    rows += await ctx.repo.writeBuckets(projectId, reportId, revision, state.nextVersion, ctx.runId, ctx.now(), pending);
    done += pending.length;
    pending = [];
    ctx.onProgress?.(done, keys.length);
  };
  try {
    for (const group of consecutiveGroups(keys, plan, ctx.timezone)) {
      pending.push(...(stateRun ? await computeGroupFromState(ctx, report, plan, stateRun, group) : await computeGroup(ctx, report, plan, group)));
      if (pending.length >= BATCH) await flush();
    }
    if (pending.length > 0) await flush();
  } finally {
    if (stateRun?.scopes) await stateRun.state.dropScopes({ projectId, reportId, revision });
  }
  if (keys.length > 0) await ctx.repo.cleanup(projectId, reportId, revision, { known: state });
  return { buckets: keys.length, rows, watermark };
}
