/**
 * SQL for one row per person in the funnel's scope: `person_id`, `level` (furthest step of the
 * reported attempt, 0 = never entered), `entry` (ms of the attempt's first event), `reach`
 * (Array(Int64), when steps 1..k had all been done) and `value` (breakdown value, '' if none).
 *
 * Shape: events → one integer sort key per event packing time, step/exclusion flags and (when it
 * can matter) event id → GROUP BY person collecting the keys → person properties joined → keys
 * sorted → per-person attempt search (attempt-sql.ts).
 *
 * Events are taken in the order (timestamp, flag word, event id) of docs/funnels.md. Two events
 * with the same time and flags are interchangeable for everything but an event breakdown's value,
 * so without such a breakdown the key leaves the event id out and fits in 64 bits: 44 bits of ms
 * since 1900 (the DateTime64 range ends in 2299) and a 20-bit flag word. Sorting 64-bit keys costs
 * a fraction of the 256-bit ones the id needs.
 */
import { resolvedEvents } from '../event-source.js';
import { legacySql } from '../kernel/legacy-text.js';
import { ProjectScope } from '../kernel/scope.js';
import { str, type ParamSink } from '../kernel/sql.js';
import { groupedByPerson, timelineCarries, timelineSources } from '../person-timeline.js';
import { timeRangeSql } from '../shared/sql-params.js';
import { attemptLayers } from './attempt-sql.js';
import { runStartsSql, sessionStartsSql } from '../sessions/sessionize-sql.js';
import { filterSql } from '../shared/filters.js';
import { allOf, eventAccess, type PropertyAccess } from './filter-sql.js';
import { FUNNEL_EVENT_TYPES, type FunnelPlan, type PlanFilter, type PlanMatcher } from './funnel-plan.js';

/** Wide keys: timestamps biased by 2^62 so pre-1970 times still sort correctly as unsigned bits. */
const BIAS = '4611686018427387904';
/** Narrow keys: ms from 1900-01-01 UTC, the earliest DateTime64 time. */
const EPOCH_1900 = '2208988800000';
const NARROW_FLAG_BITS = 20;

/**
 * How events are packed into sort keys. Flag word: bit k-1 = matches step k, then one bit per
 * exclusion from `exclusionBit` on. The attempt search reads exclusions at bits 32+x.
 */
interface KeyLayout {
  readonly narrow: boolean;
  readonly exclusionBit: number;
}

function keyLayout(plan: FunnelPlan): KeyLayout {
  const eventBreakdown = plan.breakdown !== null && plan.breakdown.type !== 'person';
  const narrow = !eventBreakdown && plan.steps.length + plan.exclusions.length <= NARROW_FLAG_BITS;
  return { narrow, exclusionBit: narrow ? plan.steps.length : 32 };
}

/** Person properties joined once per distinct key, as `pp0`, `pp1`, ... */
class PersonJoins {
  private readonly keys: string[] = [];

  constructor(
    private readonly p: ParamSink,
    private readonly byHash: boolean,
    private readonly persons: 'resolved' | 'stored',
  ) {}

  access(property: string): PropertyAccess {
    let i = this.keys.indexOf(property);
    if (i < 0) {
      i = this.keys.length;
      this.keys.push(property);
    }
    return { text: `ifNull(pp${i}.value, '')`, present: `(ifNull(pp${i}.present, 0) = 1)` };
  }

  sql(database: string): string {
    // The scope's project placeholder stays `{project:String}`, which the compiler binds.
    const scope = new ProjectScope(database, '');
    return this.keys
      .map((key, i) => {
        const property = legacySql(scope.personProperty(str(key), { persons: this.persons }), scope.project, this.p);
        // On the timeline persons are grouped by the hash of their id (the timeline's sort key).
        return this.byHash
          ? `LEFT JOIN (SELECT cityHash64(person_id) AS person, value, toUInt8(1) AS present FROM ${property}) AS pp${i} ON pp${i}.person = g.person`
          : `LEFT JOIN (SELECT person_id, value, toUInt8(1) AS present FROM ${property}) AS pp${i} ON pp${i}.person_id = g.person_id`;
      })
      .join('\n');
  }
}

function eventCondition(m: PlanMatcher, p: ParamSink): string {
  const filters = m.eventFilters.map((f) => filterSql(f, eventAccess(f, p), p));
  // `IN` is evaluated once per dictionary entry of the low-cardinality column; has() per row.
  return allOf([`event IN ${p.bind('Array(String)', [...m.names])}`, ...filters]);
}

function personCondition(filters: readonly PlanFilter[], joins: PersonJoins, p: ParamSink): string {
  return allOf(filters.map((f) => filterSql(f, joins.access(f.property), p)));
}

const bit = (cond: string, k: number): string => `bitShiftLeft(toUInt64(${cond}), ${k})`;

/**
 * Whether the person timeline holds every column the plan reads: typed columns it carries and
 * person properties. Event properties and long texts (page_url, ...) are only in `events`.
 */
export function timelineServes(plan: FunnelPlan): boolean {
  const filters = [...plan.eventFilters, ...[...plan.steps, ...plan.exclusions].flatMap((m) => m.eventFilters)];
  const reads = (source: string, property: string) => source === 'person' || (source === 'column' && timelineCarries(property));
  return filters.every((f) => reads(f.source, f.property)) && (plan.breakdown === null || reads(plan.breakdown.type, plan.breakdown.property));
}

/** [fromMs, toMs) on an epoch-ms column; null = unbounded. */
function msRangeSql(p: ParamSink, fromMs: number | null, toMs: number | null, column: string): string {
  return allOf([
    ...(fromMs === null ? [] : [`${column} >= ${p.bind('Int64', fromMs)}`]),
    ...(toMs === null ? [] : [`${column} < ${p.bind('Int64', toMs)}`]),
  ]);
}

/** Where the per-person rows come from: the person timeline, or `events` grouped by hashing. */
export type FunnelSource = 'timeline' | 'events';

export interface PersonStageOptions {
  /** false when the project has no alias links: the source then skips resolving them. */
  readonly aliases: boolean;
  readonly from: FunnelSource;
  /**
   * Whether rows carry the person's text id. On the timeline persons are grouped by hash and
   * only the persons list needs the id: carrying any(person_id) through the aggregation cost
   * the 4-step funnel at 100M events about 1.3 s in a side-by-side run, so the stats query
   * leaves it out (`person_id` is then ''). The events table groups by the id itself.
   */
  readonly personIds: boolean;
}

/** The per-person subquery; binds `{project:String}` (the caller adds it) and its own `fN` parameters through `p`. */
export function personStageSql(plan: FunnelPlan, database: string, projectId: string, p: ParamSink, options: PersonStageOptions): string {
  const { aliases, from } = options;
  const onTimeline = from === 'timeline';
  const carryIds = !onTimeline || options.personIds;
  const joins = new PersonJoins(p, onTimeline, aliases ? 'resolved' : 'stored');
  const nonStrict = plan.mode !== 'strict';
  const timeMs = onTimeline ? 't' : 'toUnixTimestamp64Milli(timestamp)';

  // Events the funnel can see: the scan covers [from, to + window) because a step can follow an
  // attempt that started just before `to`.
  const t = onTimeline ? 'tl' : 'e';
  const scope = [`${t}.type IN (${FUNNEL_EVENT_TYPES.map((x) => `'${x}'`).join(', ')})`];
  const sessions = plan.sessions;
  // By session, every activity event counts for where sessions begin and end, back to the lookback.
  const lowest = plan.fromMs === null ? null : plan.fromMs - (sessions?.lookbackMs ?? 0);
  const highest = plan.toMs === null ? null : plan.toMs + plan.windowMs;
  scope.push(onTimeline ? msRangeSql(p, lowest, highest, 'tl.t') : timeRangeSql(p, lowest, highest, 'e.timestamp'));
  if (nonStrict && sessions === null) {
    // Strict mode needs every event (any of them can break a sequence); the others only need
    // events that can fill a step or trigger an exclusion.
    const names = new Set([...plan.steps, ...plan.exclusions].flatMap((m) => m.names));
    scope.push(`${t}.event IN ${p.bind('Array(String)', [...names])}`);
  }
  const layout = keyLayout(plan);

  const flags = [
    ...plan.steps.map((s, k) => bit(eventCondition(s, p), k)),
    ...plan.exclusions.map((x, i) => bit(eventCondition(x, p), layout.exclusionBit + i)),
  ].join(' + ');
  const globals = plan.eventFilters.map((f) => filterSql(f, eventAccess(f, p), p));
  const bd = plan.breakdown;
  const eventValue = bd && bd.type !== 'person' ? eventAccess({ source: bd.type, property: bd.property }, p).text : null;

  const key = layout.narrow
    ? `bitOr(bitShiftLeft(toUInt64(${timeMs} + ${EPOCH_1900}), ${NARROW_FLAG_BITS}), ${flags} AS flags)`
    : `bitOr(bitOr(bitShiftLeft(toUInt256(toUInt64(${timeMs} + ${BIAS})), 192),
                  bitShiftLeft(toUInt256(${flags} AS flags), 128)),
            toUInt256(reinterpretAsUInt128(event_id)))`;
  const visible = allOf([...globals, ...(nonStrict ? ['flags != 0'] : [])]);
  const who = onTimeline ? (carryIds ? 'person, person_id' : 'person') : 'person_id';
  const anyId = carryIds ? 'any(person_id) AS person_id, ' : '';
  const events = (source: string) => sessions
    ? `SELECT ${who}, ${timeMs} AS ms, ${key} AS k${eventValue ? `, ${eventValue} AS bv` : ''},
        toUInt8(${allOf([visible, ...(plan.fromMs === null ? [] : [`ms >= ${p.bind('Int64', plan.fromMs)}`])])}) AS vis
      FROM ${source}`
    : `SELECT ${who}, ${key} AS k${eventValue ? `,\n      ${eventValue} AS bv` : ''}
    FROM ${source}
    WHERE ${visible}`;

  // Person-level parts of step and exclusion filters: one mask per person clears the flags of
  // steps/exclusions whose person filters fail.
  const personBits = [
    ...plan.steps.map((s, k) => (s.personFilters.length ? bit(personCondition(s.personFilters, joins, p), k) : bit('1', k))),
    ...plan.exclusions.map((x, i) => {
      const b = layout.exclusionBit + i;
      return x.personFilters.length ? bit(personCondition(x.personFilters, joins, p), b) : bit('1', b);
    }),
  ];
  const usesPersonMask = [...plan.steps, ...plan.exclusions].some((m) => m.personFilters.length > 0);
  // The mask applies before sorting: the order compares the flags the person's events end up with.
  const keyMask = !usesPersonMask
    ? null
    : layout.narrow
      ? `bitOr(${personBits.join(' + ')}, bitNot(toUInt64(${2 ** NARROW_FLAG_BITS - 1})))`
      : `bitNot(bitShiftLeft(toUInt256(bitNot(toUInt64(${personBits.join(' + ')}))), 128))`;
  const personWhere = personCondition(plan.personFilters, joins, p);
  const personValue = bd?.type === 'person' ? joins.access(bd.property).text : `''`;

  const perPersonArrays = `groupArray(k) AS ks${eventValue ? ', groupArray(bv) AS bvs' : ''}`;
  let grouped: string;
  if (onTimeline) {
    const sources = timelineSources(database, scope.join(' AND '), aliases);
    grouped = sessions
      ? groupedByPerson(sources, events, `person, ${anyId}arraySort(groupArray(tuple(${sessionFields(sessions, eventValue !== null, plan.timezone, p).join(', ')}))) AS ev`)
      : groupedByPerson(sources, events, `person, ${anyId}${perPersonArrays}`);
    if (sessions) grouped = sessionUnitsSql(sessions, grouped, eventValue !== null, who, p);
  } else {
    const source = resolvedEvents(database, projectId, scope.join(' AND '), { aliases }).sql;
    grouped = sessions
      ? sessionUnitsSql(sessions, `SELECT person_id, arraySort(groupArray(tuple(${sessionFields(sessions, eventValue !== null, plan.timezone, p).join(', ')}))) AS ev FROM (${events(source)}) GROUP BY person_id`, eventValue !== null, 'person_id', p)
      : `SELECT person_id, ${perPersonArrays}
    FROM (${events(source)})
    GROUP BY person_id`;
  }

  const masked = keyMask ? `arrayMap(x -> bitAnd(x, mask), g.ks)` : 'g.ks';
  const perPerson = `SELECT ${onTimeline ? 'g.person AS person, ' : ''}${carryIds ? 'g.person_id' : "''"} AS person_id, ${keyMask ? `${keyMask} AS mask, ` : ''}${
    eventValue ? `arraySort((v, x) -> x, g.bvs, ${masked}) AS bvs, ` : ''
  }arraySort(${masked}) AS ks, ${personValue} AS pvalue
    FROM (${grouped}) AS g
    ${joins.sql(database)}
    WHERE ${personWhere}`;

  const stepBits = `toUInt64(${2 ** plan.steps.length - 1})`;
  const exclusionBits = `toUInt64(${2 ** plan.exclusions.length - 1})`;
  const flagWord = layout.narrow
    ? plan.exclusions.length === 0
      ? `bitAnd(x, ${stepBits})`
      : `bitOr(bitAnd(x, ${stepBits}), bitShiftLeft(bitAnd(bitShiftRight(x, ${layout.exclusionBit}), ${exclusionBits}), 32))`
    : 'toUInt64(bitShiftRight(x, 128))';
  const time = layout.narrow
    ? `toInt64(bitShiftRight(x, ${NARROW_FLAG_BITS})) - ${EPOCH_1900}`
    : `toInt64(bitShiftRight(x, 192)) - ${BIAS}`;

  const valueExpr = !bd ? `''` : bd.type === 'person' ? 'pvalue' : `bvs[ms[${bd.attributionStep}]]`;
  let sql = `SELECT person_id, ${eventValue ? 'bvs, ' : ''}pvalue,
      arrayMap(x -> ${time}, ks) AS ts,
      arrayMap(x -> ${flagWord}, ks) AS fl
    FROM (${perPerson})`;
  for (const layer of attemptLayers(plan, p)) sql = `SELECT *, ${layer.join(', ')} FROM (${sql})`;
  return `SELECT person_id, level, entry, reach, ${valueExpr} AS value FROM (${sql})`;
}

function sessionFields(rules: NonNullable<FunnelPlan['sessions']>, withValue: boolean, timezone: string, p: ParamSink): string[] {
  return ['ms', 'k', 'vis', ...(withValue ? ['bv'] : []), ...(rules.splitAtMidnight ? [`toUInt32(toDate(fromUnixTimestamp64Milli(ms), ${p.bind('String', timezone)}))`] : [])];
}

/**
 * By session: each person's events (all activity, with `vis` marking those the funnel sees) are
 * cut into sessions by the sessions analysis' rules (sessionize-sql.ts: a gap over the timeout or
 * a new local date starts a run; runs are cut into windows of the maximum length), and every
 * session becomes a row of its own with the keys of its visible events. Events in the same
 * millisecond always share a session under these rules, so the order of ties does not matter here.
 * `grouped` has one row per person: the columns `who` and `ev`, the sorted tuples of sessionFields.
 */
function sessionUnitsSql(rules: NonNullable<FunnelPlan['sessions']>, grouped: string, withValue: boolean, who: string, p: ParamSink): string {
  const fields = ['ms', 'k', 'vis', ...(withValue ? ['bv'] : []), ...(rules.splitAtMidnight ? ['day'] : [])];
  const at = (name: string) => fields.indexOf(name) + 1;
  const pick = (field: number) => `arrayMap(e -> e.${field}, arrayFilter(e -> e.${at('vis')} = 1, x))`;
  return `SELECT ${who}, u.1 AS ks${withValue ? ', u.2 AS bvs' : ''}
    FROM (
      SELECT ${who},
        arrayJoin(arrayMap(x -> tuple(${pick(at('k'))}${withValue ? `, ${pick(at('bv'))}` : ''}), arraySplit((e, b) -> b, ev, b_sess))) AS u
      FROM (
        SELECT ${who}, ev, arrayMap(e -> e.1, ev) AS ts, arrayEnumerate(ts) AS ix,
          ${rules.splitAtMidnight ? `arrayMap(e -> e.${fields.length}, ev) AS day_num,` : ''}
          ${runStartsSql(p.bind('Int64', rules.timeoutMs), rules.splitAtMidnight)} AS b_run,
          ${sessionStartsSql('b_run', p.bind('Int64', rules.maxLengthMs))} AS b_sess
        FROM (${grouped})
      )
    )
    WHERE notEmpty(ks)`;
}
