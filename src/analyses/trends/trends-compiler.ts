/**
 * SQL for trends: one query ranks breakdown values over the range, another aggregates the measure
 * per (bucket, series). Both read the same filtered event set, built by `eventSet`.
 */
import { resolvedEvents, personProperty, type SqlFragment } from '../event-source.js';
import { ACTIVITY_SQL } from '../shared/activity.js';
import { columnIdentifier } from '../shared/columns.js';
import { compileFilters } from '../shared/filters.js';
import { numericSql } from '../shared/numeric.js';
import { SqlParams, timeRangeSql } from '../shared/sql-params.js';
import { bucketKeySql } from '../shared/time-buckets.js';
import type { TimeRange } from '../shared/time-range.js';
import type { TrendsDefinition } from './definition.js';

export interface TrendsQueryInput {
  readonly database: string;
  readonly projectId: string;
  readonly timezone: string;
  readonly definition: TrendsDefinition;
  /** null bounds are open (saved count reports read a report's whole range). */
  readonly range: TimeRange | { readonly fromMs: number | null; readonly toMs: number | null };
}

/** Which events a definition counts, as conditions on an event's own columns. */
function eventConditions(def: TrendsDefinition, params: SqlParams, eventWhere: string): string[] {
  const out = [ACTIVITY_SQL];
  if (def.event !== undefined) {
    const events = typeof def.event === 'string' ? [def.event] : def.event;
    out.push(`event IN ${params.bind('Array(String)', events)}`);
  }
  if (eventWhere) out.push(eventWhere);
  return out;
}

/**
 * Columns of the inner select every trends query shares: `k` bucket key, `bv` breakdown value
 * (Nullable(String), NULL when not set), `person_id`, `num` numeric property (Nullable(Float64)).
 */
function eventSet(input: TrendsQueryInput, params: SqlParams): string {
  const { database, projectId, definition: def, range } = input;
  const filters = compileFilters(def.filters, params, database);
  const where = [timeRangeSql(params, range.fromMs, range.toMs), ...eventConditions(def, params, filters.eventWhere)];
  // Counts, sums and averages of events never look at the person: resolving identities (a join
  // against every alias link of the project) would only cost time.
  const needsPerson = def.measure.type === 'persons' || def.breakdown?.source === 'person' || filters.personWhere !== '';
  const src = resolvedEvents(database, projectId, where.join(' AND '), needsPerson ? {} : { aliases: false });

  let join = '';
  let bv = 'CAST(NULL AS Nullable(String))';
  const b = def.breakdown;
  if (b?.source === 'event') {
    const key = params.bind('String', b.property);
    bv = `if(mapContains(properties, ${key}), properties[${key}], NULL)`;
  } else if (b?.source === 'column') {
    bv = `nullIf(${columnIdentifier(b.property)}, '')`;
  } else if (b?.source === 'person') {
    const key = params.bindName(b.property);
    join = `LEFT ANY JOIN (SELECT person_id, value AS bp_value, toUInt8(1) AS bp_present
      FROM ${personProperty(database, key)}) AS bp USING (person_id)`;
    bv = 'if(bp_present = 1, bp_value, NULL)';
  }
  const tz = params.bind('String', input.timezone);
  const num = def.measure.type === 'sum' || def.measure.type === 'avg'
    ? numericSql(params, `properties[${params.bind('String', def.measure.property)}]`)
    : 'CAST(NULL AS Nullable(Float64))';
  return `SELECT ${bucketKeySql(def.interval, 'timestamp', tz)} AS k, ${bv} AS bv, person_id, ${num} AS num
    FROM ${src.sql} AS ev ${join}
    WHERE ${filters.personWhere || '1'}`;
}

function measureSql(def: TrendsDefinition): string {
  switch (def.measure.type) {
    case 'count':
      return 'toFloat64(count())';
    case 'persons':
      return 'toFloat64(uniqExact(person_id))';
    case 'sum':
      return 'sum(coalesce(num, 0))';
    case 'avg':
      return 'avg(num)';
  }
}

/** What breakdown values are ranked by: events, distinct persons, or the property total. */
function rankSql(def: TrendsDefinition): string {
  switch (def.measure.type) {
    case 'count':
      return 'toFloat64(count())';
    case 'persons':
      return 'toFloat64(uniqExact(person_id))';
    case 'sum':
    case 'avg':
      return 'sum(coalesce(num, 0))';
  }
}

function fragment(sql: string, params: SqlParams, input: TrendsQueryInput): SqlFragment {
  return { sql, params: params.merged(resolvedEvents(input.database, input.projectId).params) };
}

/** Rows `{ bv, m }`: the `take` breakdown values ranked first (metric desc, value asc, NULL first). */
export function compileTrendsRanking(input: TrendsQueryInput, take: number): SqlFragment {
  const params = new SqlParams();
  const inner = eventSet(input, params);
  const sql = `SELECT bv, ${rankSql(input.definition)} AS m FROM (${inner})
    GROUP BY bv ORDER BY m DESC, bv ASC NULLS FIRST LIMIT ${params.bind('UInt32', take)}`;
  return fragment(sql, params, input);
}

/**
 * Rows `{ k, other, bv, v }`: the measure per bucket key and series. With `top`, values outside it
 * fold into one `other = 1` group per bucket (so distinct persons there are counted once).
 */
export function compileTrendsSeries(
  input: TrendsQueryInput,
  top: { readonly values: readonly string[]; readonly includesNull: boolean } | undefined,
): SqlFragment {
  const params = new SqlParams();
  const inner = eventSet(input, params);
  const inTop = top
    ? `if(bv IS NULL, ${params.bind('UInt8', top.includesNull ? 1 : 0)} = 1, has(${params.bind('Array(String)', [...top.values])}, assumeNotNull(bv)))`
    : 'true';
  const sql = `SELECT k, toUInt8(NOT in_top) AS other, if(in_top, bv, NULL) AS grp, ${measureSql(input.definition)} AS v
    FROM (SELECT *, ${inTop} AS in_top FROM (${inner}))
    GROUP BY k, other, grp`;
  return fragment(sql, params, input);
}

/**
 * Rows `{ k, n, loaded_at }`: how many events a `count` measure counts per bucket key and
 * `loaded_at`; with `loadedAfter` (engine time text) only those loaded after it. Saved reports
 * keep counts per bucket and add the newly loaded rows to them (reports/bucket-counts.ts).
 */
export function compileTrendsCounts(input: TrendsQueryInput, loadedAfter: string | null): SqlFragment {
  const { database, projectId, definition: def, range } = input;
  const params = new SqlParams();
  const filters = compileFilters(def.filters, params, database);
  if (def.measure.type !== 'count' || def.breakdown !== undefined || def.compare || filters.personWhere !== '') {
    throw new Error('only a count of events by their own columns, without breakdown or compare, adds up per row');
  }
  const where = [timeRangeSql(params, range.fromMs, range.toMs), ...eventConditions(def, params, filters.eventWhere)];
  if (loadedAfter !== null) where.push(`loaded_at > ${params.bind("DateTime64(3, 'UTC')", loadedAfter)}`);
  const src = resolvedEvents(database, projectId, where.join(' AND '), { aliases: false });
  const tz = params.bind('String', input.timezone);
  const sql = `SELECT ${bucketKeySql(def.interval, 'timestamp', tz)} AS k, loaded_at, count() AS n FROM ${src.sql} GROUP BY k, loaded_at`;
  return fragment(sql, params, input);
}
