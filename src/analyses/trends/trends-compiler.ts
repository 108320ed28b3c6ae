/**
 * SQL for trends: one query ranks breakdown values over the range, another aggregates the measure
 * per (bucket, series). Both read the same filtered event set, built by `eventSet`.
 */
import { ProjectScope } from '../kernel/scope.js';
import { and, compile, param, sql, str, strings, uint32, type CompiledSql, type Fragment } from '../kernel/sql.js';
import { bucketKey, timeRange } from '../kernel/time-sql.js';
import { ACTIVITY } from '../shared/activity.js';
import { compileFilters, eventValue } from '../shared/filters.js';
import { numericOf } from '../shared/numeric.js';
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
function eventConditions(def: TrendsDefinition, eventWhere: Fragment): Fragment[] {
  const out = [ACTIVITY];
  if (def.event !== undefined) out.push(sql`event IN ${strings(typeof def.event === 'string' ? [def.event] : def.event)}`);
  out.push(eventWhere);
  return out;
}

/**
 * Columns of the inner select every trends query shares: `k` bucket key, `bv` breakdown value
 * (Nullable(String), NULL when not set), `person_id`, `num` numeric property (Nullable(Float64)).
 */
function eventSet(input: TrendsQueryInput): Fragment {
  const { definition: def, range } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  const where = and([timeRange(range.fromMs, range.toMs), ...eventConditions(def, filters.eventWhere)]);
  // Counts, sums and averages of events never look at the person: resolving identities (a join
  // against every alias link of the project) would only cost time.
  const needsPerson = def.measure.type === 'persons' || def.breakdown?.source === 'person' || filters.readsPersons;
  const src = scope.events({ where, persons: needsPerson ? 'resolved' : 'stored' });

  let join = sql``;
  let bv = sql`CAST(NULL AS Nullable(String))`;
  const b = def.breakdown;
  if (b?.source === 'event' || b?.source === 'column') {
    const v = eventValue(b.source, b.property);
    bv = sql`if(${v.present}, ${v.text}, NULL)`;
  } else if (b?.source === 'person') {
    join = sql`LEFT ANY JOIN (SELECT person_id, value AS bp_value, toUInt8(1) AS bp_present
      FROM ${scope.personProperty(str(b.property))}) AS bp USING (person_id)`;
    bv = sql`if(bp_present = 1, bp_value, NULL)`;
  }
  const tz = str(input.timezone);
  const num = def.measure.type === 'sum' || def.measure.type === 'avg'
    ? numericOf(sql`properties[${str(def.measure.property)}]`)
    : sql`CAST(NULL AS Nullable(Float64))`;
  return sql`SELECT ${bucketKey(def.interval, sql`timestamp`, tz)} AS k, ${bv} AS bv, person_id, ${num} AS num
    FROM ${src} AS ev ${join}
    WHERE ${filters.personWhere}`;
}

function measureSql(def: TrendsDefinition): Fragment {
  switch (def.measure.type) {
    case 'count':
      return sql`toFloat64(count())`;
    case 'persons':
      return sql`toFloat64(uniqExact(person_id))`;
    case 'sum':
      return sql`sum(coalesce(num, 0))`;
    case 'avg':
      return sql`avg(num)`;
  }
}

/** What breakdown values are ranked by: events, distinct persons, or the property total. */
function rankSql(def: TrendsDefinition): Fragment {
  switch (def.measure.type) {
    case 'count':
      return sql`toFloat64(count())`;
    case 'persons':
      return sql`toFloat64(uniqExact(person_id))`;
    case 'sum':
    case 'avg':
      return sql`sum(coalesce(num, 0))`;
  }
}

/** Rows `{ bv, m }`: the `take` breakdown values ranked first (metric desc, value asc, NULL first). */
export function compileTrendsRanking(input: TrendsQueryInput, take: number): CompiledSql {
  return compile(sql`SELECT bv, ${rankSql(input.definition)} AS m FROM (${eventSet(input)})
    GROUP BY bv ORDER BY m DESC, bv ASC NULLS FIRST LIMIT ${uint32(take)}`);
}

/**
 * Rows `{ k, other, bv, v }`: the measure per bucket key and series. With `top`, values outside it
 * fold into one `other = 1` group per bucket (so distinct persons there are counted once).
 */
export function compileTrendsSeries(
  input: TrendsQueryInput,
  top: { readonly values: readonly string[]; readonly includesNull: boolean } | undefined,
): CompiledSql {
  const inTop = top
    ? sql`if(bv IS NULL, ${param('UInt8', top.includesNull ? 1 : 0)} = 1, has(${strings(top.values)}, assumeNotNull(bv)))`
    : sql`true`;
  return compile(sql`SELECT k, toUInt8(NOT in_top) AS other, if(in_top, bv, NULL) AS grp, ${measureSql(input.definition)} AS v
    FROM (SELECT *, ${inTop} AS in_top FROM (${eventSet(input)}))
    GROUP BY k, other, grp`);
}

/**
 * Rows `{ k, n, loaded_at }`: how many events a `count` measure counts per bucket key and
 * `loaded_at`; with `loadedAfter` (engine time text) only those loaded after it. Saved reports
 * keep counts per bucket and add the newly loaded rows to them (reports/bucket-counts.ts).
 */
export function compileTrendsCounts(input: TrendsQueryInput, loadedAfter: string | null): CompiledSql {
  return compile(trendsCountsFragment(input, loadedAfter));
}

/** `compileTrendsCounts` as a fragment, for the report queries that join it with stored buckets. */
export function trendsCountsFragment(input: TrendsQueryInput, loadedAfter: string | null): Fragment {
  const { definition: def, range } = input;
  const scope = new ProjectScope(input.database, input.projectId);
  const filters = compileFilters(def.filters, scope);
  if (def.measure.type !== 'count' || def.breakdown !== undefined || def.compare || filters.readsPersons) {
    throw new Error('only a count of events by their own columns, without breakdown or compare, adds up per row');
  }
  const where = [timeRange(range.fromMs, range.toMs), ...eventConditions(def, filters.eventWhere)];
  if (loadedAfter !== null) where.push(sql`loaded_at > ${param("DateTime64(3, 'UTC')", loadedAfter)}`);
  const src = scope.events({ where: and(where), persons: 'stored' });
  return sql`SELECT ${bucketKey(def.interval, sql`timestamp`, str(input.timezone))} AS k, loaded_at, count() AS n FROM ${src} GROUP BY k, loaded_at`;
}
