/**
 * Count reports add newly loaded rows to the counts they kept, reading only those rows.
 *
 * Each bucket stores `settled`, the number of its rows loaded up to `settled_to`, and its number
 * is `settled` plus the rows loaded after `settled_to`. A run takes the newest `loaded_at` W,
 * settles every touched bucket up to W − overlap (the point the next run reads from, as in
 * touched-buckets.ts), and counts rows loaded after that again on every run until they settle:
 * an insert that committed late carries an older `loaded_at` and still lands after that point.
 *
 * A bucket's count grows by its rows loaded after its own `settled_to`, joined from the stored
 * buckets, not after the run's watermark: a run that died after writing some buckets left them
 * settled further than the watermark says, and their rows are not counted twice.
 */
import { toSqlTime } from '../events/event-row.js';
import type { Store } from '../store/store.js';
import type { MaterializeContext, MaterializeOutcome } from './materialize-context.js';
import type { Report } from './report-definition.js';
import type { BucketRows, MaterializedState } from './report-repo.js';
import type { CountsPlan } from './trend-counts.js';
import { engineMs, readFrom } from './watermark.js';
import { bucketKeyOf, bucketLabel, type Interval } from '../analyses/shared/time-buckets.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { queryRows } from '../analyses/kernel/run.js';
import { and, param, sql, str, uint32, type Fragment } from '../analyses/kernel/sql.js';
import { timeRange } from '../analyses/kernel/time-sql.js';

/** Settled point of buckets backfilled before any incremental run: everything (that run recounts all). */
const EVERYTHING = '2299-12-31 00:00:00.000';
/** Buckets per insert. */
const WRITE_BATCH = 1000;

interface BucketCount {
  readonly settled: number;
  readonly tail: number;
}

type Range = { fromMs: number | null; toMs: number | null };

/**
 * What was loaded after `since` (everything when null): the newest `loaded_at` of the project's
 * rows (null when none), and the first and last event time (epoch ms) among those in `range`,
 * whose buckets the report's range grows to, as it does for every event (touched-buckets.ts).
 */
async function loadedSince(store: Store, projectId: string, since: string | null, range: Range): Promise<{ newest: string | null; times: [number, number] | null }> {
  const inRange = timeRange(range.fromMs, range.toMs);
  const scope = new ProjectScope(store.database, projectId);
  const loaded = since === null ? sql`` : sql`loaded_at > ${param("DateTime64(3, 'UTC')", since)}`;
  const rows = await queryRows<{ w: string | null; n: string; lo: string; hi: string }>(store, sql`
    SELECT toString(maxOrNull(loaded_at)) AS w, toString(countIf(${inRange})) AS n,
       toString(minIf(toUnixTimestamp64Milli(timestamp), ${inRange})) AS lo, toString(maxIf(toUnixTimestamp64Milli(timestamp), ${inRange})) AS hi
     FROM ${scope.rows('events', and([loaded]))}`);
  const r = rows[0];
  return { newest: r?.w ?? null, times: r && Number(r.n) > 0 ? [Number(r.lo), Number(r.hi)] : null };
}

/**
 * Per bucket with counted events: the count settled up to `settleAt` and the events loaded after
 * it. With `report`, only events loaded after `loadedAfter` are read and added to the stored counts.
 */
async function countBuckets(
  store: Store,
  counts: CountsPlan,
  input: { projectId: string; report: Pick<Report, 'reportId' | 'revision'> | null; range: Range; loadedAfter: string | null; settleAt: string },
): Promise<Map<number, BucketCount>> {
  const scope = new ProjectScope(store.database, input.projectId);
  const counted = counts.countsSql({ database: store.database, projectId: input.projectId }, input.range, input.loadedAfter);
  const settle = param("DateTime64(3, 'UTC')", input.settleAt);
  let query: Fragment;
  if (input.report === null) {
    query = sql`SELECT toString(k) AS k, toString(sumIf(n, loaded_at <= ${settle})) AS settled, toString(sumIf(n, loaded_at > ${settle})) AS tail
      FROM (${counted}) GROUP BY k`;
  } else {
    const mine = sql`report_id = ${str(input.report.reportId)} AND revision = ${uint32(input.report.revision)}`;
    query = sql`SELECT toString(a.k) AS k,
        toString(any(st.settled) + sumIf(a.n, a.loaded_at > st.settled_to AND a.loaded_at <= ${settle})) AS settled,
        toString(sumIf(a.n, a.loaded_at > ${settle})) AS tail
      FROM (${counted}) AS a
      LEFT ANY JOIN (
        SELECT bucket, argMax(settled, version) AS settled, argMax(settled_to, version) AS settled_to FROM ${scope.rows('report_buckets', mine)}
        GROUP BY bucket
      ) AS st ON st.bucket = a.k
      GROUP BY a.k`;
  }
  const out = new Map<number, BucketCount>();
  for (const r of await queryRows<{ k: string; settled: string; tail: string }>(store, query)) {
    out.set(Number(r.k), { settled: Number(r.settled), tail: Number(r.tail) });
  }
  return out;
}

export type CountsMode =
  | { readonly kind: 'incremental'; readonly keysFor: (touched: readonly number[]) => number[] }
  | { readonly kind: 'backfill'; readonly keys: readonly number[] };

export async function materializeCounts(
  ctx: MaterializeContext,
  report: Report,
  plan: { readonly counts: CountsPlan; readonly interval: Interval },
  state: MaterializedState,
  mode: CountsMode,
): Promise<MaterializeOutcome> {
  const { projectId, reportId, revision } = report;
  let keys: readonly number[];
  let counted: Map<number, BucketCount>;
  let settleAt: string;
  let watermark: string | null = null;
  if (mode.kind === 'backfill') {
    keys = mode.keys;
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first === undefined || last === undefined) return { buckets: 0, rows: 0, watermark: null };
    // Recounted whole, settled up to where the next incremental run starts reading.
    settleAt = state.watermark === null ? EVERYTHING : toSqlTime(engineMs(state.watermark) - ctx.overlapMs);
    counted = await countBuckets(ctx.store, plan.counts, { projectId, report: null, range: plan.counts.range({ first, last }), loadedAfter: null, settleAt });
  } else {
    const since = readFrom(state, ctx.overlapMs);
    const range = plan.counts.range(null);
    const loaded = await loadedSince(ctx.store, projectId, since, range);
    if (loaded.newest === null) return { buckets: 0, rows: 0, watermark: state.watermark };
    watermark = loaded.newest;
    settleAt = toSqlTime(engineMs(loaded.newest) - ctx.overlapMs);
    counted = loaded.times === null ? new Map() : await countBuckets(ctx.store, plan.counts, {
      projectId, report: since === null ? null : { reportId, revision }, range, loadedAfter: since, settleAt,
    });
    const ends = (loaded.times ?? []).map((ms) => bucketKeyOf(ms, plan.interval, ctx.timezone));
    keys = mode.keysFor([...new Set([...counted.keys(), ...ends])]);
  }
  ctx.onProgress?.(0, keys.length);
  let rows = 0;
  for (let i = 0; i < keys.length; i += WRITE_BATCH) {
    const buckets: BucketRows[] = keys.slice(i, i + WRITE_BATCH).map((k) => {
      // A bucket without new rows is one the report's range grew over: it holds no events.
      const c = counted.get(k) ?? { settled: 0, tail: 0 };
      const table = plan.counts.table(k, c.settled + c.tail);
      return { bucket: k, label: bucketLabel(k, plan.interval, ctx.timezone), columns: table.columns, rows: table.rows, settled: { count: c.settled, to: settleAt } };
    });
    rows += await ctx.repo.writeBuckets(projectId, reportId, revision, state.nextVersion, ctx.runId, ctx.now(), buckets);
    ctx.onProgress?.(Math.min(keys.length, i + WRITE_BATCH), keys.length);
  }
  if (keys.length > 0) await ctx.repo.cleanup(projectId, reportId, revision, { known: state });
  return { buckets: keys.length, rows, watermark };
}
