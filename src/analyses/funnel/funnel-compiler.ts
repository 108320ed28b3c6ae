/**
 * Plan → SQL with bound parameters. One statement per result: the per-person subquery
 * (person-stage-sql.ts) aggregated into totals, breakdown rows (top N by persons entering, then
 * "Other") and trend periods in a single pass, so the expensive per-person work runs once.
 */
import type { QueryParams } from '../../store/store.js';
import { NumberedParams, type ParamSink } from '../kernel/sql.js';
import type { FunnelPlan } from './funnel-plan.js';
import { personStageSql, timelineServes, type FunnelSource } from './person-stage-sql.js';
import { settingsFor } from '../person-timeline.js';

export interface CompiledQuery {
  readonly sql: string;
  readonly params: QueryParams;
}

/** Result row sets of the stats query. */
export const SET_TOTAL = 0;
export const SET_VALUE = 1;
export const SET_OTHER = 2;
export const SET_PERIOD = 3;

export interface StatsRow {
  readonly set_id: number;
  readonly key: string;
  readonly entered: number;
  readonly converted: number;
  /** counts[k-1] = persons who reached step k. */
  readonly counts: readonly number[];
  /** Exact decimal sums of the times from step k-1 to step k (0 for step 1). */
  readonly sums: readonly string[];
  readonly medians: readonly string[];
  readonly p90s: readonly string[];
}

/**
 * Median and p90 of the step-to-step times (steps 2..n; step 1 has none), exact and equal to the
 * nearest-rank definitions of docs/funnels.md: quantileExactLow(0.5) picks the ceil(N/2)-th
 * smallest value and quantileExactLow(0.899999999999) the ceil(9N/10)-th (0.9 itself is one rank
 * off when 9N/10 is whole). test/analyses/funnel/quantile-rank.test.ts checks both on the engine.
 * Against collecting and sorting every time it saved 4.6 s of the 4-step funnel at 100M events
 * (docs/funnels.md).
 */
const quantiles = (combinators: string): string => `quantilesExactLow${combinators}(0.5, 0.899999999999)`;

function periodExpr(plan: FunnelPlan, p: ParamSink): string {
  if (!plan.trend) return `''`;
  const local = `fromUnixTimestamp64Milli(entry, ${p.bind('String', plan.timezone)})`;
  const fn = plan.trend === 'day' ? 'toDate' : plan.trend === 'week' ? 'toMonday' : 'toStartOfMonth';
  return `toString(${fn}(${local}))`;
}

export interface CompileOptions {
  /** false when the project has no alias links: the event source then skips resolving them. */
  readonly aliases?: boolean;
  /**
   * Force a source; by default the person timeline when it carries every column the plan reads
   * (person-stage-sql.ts timelineServes), else `events`. `events` is the benchmark's old path.
   */
  readonly source?: FunnelSource;
}

function sourceOf(plan: FunnelPlan, options: CompileOptions): FunnelSource {
  return options.source ?? (timelineServes(plan) ? 'timeline' : 'events');
}


export function compileFunnel(plan: FunnelPlan, database: string, projectId: string, options: CompileOptions = {}): CompiledQuery {
  const p = new NumberedParams('f');
  const from = sourceOf(plan, options);
  const persons = personStageSql(plan, database, projectId, p, { aliases: options.aliases ?? true, from, personIds: false });
  const n = plan.steps.length;
  const bd = plan.breakdown;

  const sets = [`(toUInt8(${SET_TOTAL}), '')`];
  if (bd) {
    const limit = p.bind('UInt32', bd.limit);
    sets.push(`if(rnk <= ${limit}, (toUInt8(${SET_VALUE}), value), (toUInt8(${SET_OTHER}), ''))`);
  }
  if (plan.trend) sets.push(`(toUInt8(${SET_PERIOD}), period)`);

  const perPerson = `SELECT value, ${periodExpr(plan, p)} AS period, level,
          arrayMap((r, q) -> r - q, reach, arrayPushFront(arrayPopBack(reach), reach[1])) AS dts
        FROM (${persons})
        WHERE level >= 1`;
  // Without a breakdown there is nothing to rank: each person row feeds its sets directly.
  // With one, rows are first grouped per value so values can be ranked by persons entering
  // (all periods together, ties by value) before "Other" is merged.
  const source = bd
    ? `SELECT entered, converted, cnts, sums, qstates, arrayJoin([${sets.join(', ')}]) AS set_key
      FROM (
        SELECT *, dense_rank() OVER (ORDER BY value_total DESC, value ASC) AS rnk
        FROM (
          SELECT *, sum(entered) OVER (PARTITION BY value) AS value_total
          FROM (
            SELECT value, period, count() AS entered, countIf(level = ${n}) AS converted,
              countForEach(dts) AS cnts, sumForEach(dts) AS sums, ${quantiles('ForEachState')}(arrayPopFront(dts)) AS qstates
            FROM (${perPerson})
            GROUP BY value, period)))`
    : `SELECT level, dts, arrayJoin([${sets.join(', ')}]) AS set_key FROM (${perPerson})`;
  // With totals only, one aggregate state over all persons: grouping by a constant key would
  // still hash every row.
  const single = sets.length === 1;
  const aggregates = bd
    ? `sum(entered) AS entered, sum(converted) AS converted, sumForEach(cnts) AS counts, sumForEach(sums) AS sums,
      ${quantiles('ForEachMergeIf')}(qstates, set_id != ${SET_PERIOD}) AS qs`
    : `count() AS entered, countIf(level = ${n}) AS converted, countForEach(dts) AS counts, sumForEach(dts) AS sums,
      ${plan.trend ? `${quantiles('ForEachIf')}(arrayPopFront(dts), set_id != ${SET_PERIOD})` : `${quantiles('ForEach')}(arrayPopFront(dts))`} AS qs`;

  const sql = `SELECT set_id, key, toUInt32(entered) AS entered, toUInt32(converted) AS converted,
    arrayMap(x -> toUInt32(x), counts) AS counts,
    arrayMap(x -> toString(x), sums) AS sums,
    arrayPushFront(arrayMap(q -> toString(q[1]), qs), '0') AS medians,
    arrayPushFront(arrayMap(q -> toString(q[2]), qs), '0') AS p90s
  FROM (
    SELECT ${single ? `toUInt8(${SET_TOTAL}) AS set_id, '' AS key` : 'set_key.1 AS set_id, set_key.2 AS key'}, ${aggregates}
    FROM (${single ? perPerson : source})
    ${single ? '' : 'GROUP BY set_id, key'}
  )
  ORDER BY set_id, entered DESC, key${settingsFor(from)}`;
  return { sql, params: p.with({ project: projectId }) };
}

export interface PersonsQueryOptions {
  readonly step: number;
  readonly status: 'converted' | 'dropped';
  readonly limit: number;
  readonly offset: number;
  readonly breakdownValue?: string | undefined;
}

/**
 * Persons who reached step k (`converted`) or reached step k-1 but not k (`dropped`), ordered by
 * person id. `total` is the count before paging; `count` is the same filter without the page,
 * for when the page is past the end.
 */
export function compilePersons(
  plan: FunnelPlan,
  database: string,
  projectId: string,
  o: PersonsQueryOptions,
  options: CompileOptions = {},
): { page: CompiledQuery; count: CompiledQuery } {
  const p = new NumberedParams('f');
  const from = sourceOf(plan, options);
  const persons = personStageSql(plan, database, projectId, p, { aliases: options.aliases ?? true, from, personIds: true });
  const step = p.bind('UInt8', o.step);
  const where = [o.status === 'converted' ? `level >= ${step}` : `level = ${step} - 1`, 'level >= 1'];
  if (o.breakdownValue !== undefined) where.push(`value = ${p.bind('String', o.breakdownValue)}`);
  const filtered = `SELECT person_id, level, entry, entry AS entry_ms, value FROM (${persons}) WHERE ${where.join(' AND ')}`;
  // By session a person can be listed once per session: then by when each session's attempt began.
  const page = `SELECT person_id, toUInt32(level) AS level, toString(entry) AS entry, value,
      toUInt32(count() OVER ()) AS total
    FROM (${filtered})
    ORDER BY person_id, entry_ms
    LIMIT ${p.bind('UInt32', o.limit)} OFFSET ${p.bind('UInt32', o.offset)}${settingsFor(from)}`;
  const count = `SELECT toUInt32(count()) AS total FROM (${filtered})${settingsFor(from)}`;
  const params = p.with({ project: projectId });
  return { page: { sql: page, params }, count: { sql: count, params } };
}
