/**
 * SQL for one row per person in the funnel's scope: `person_id`, `level` (furthest step of the
 * reported attempt, 0 = never entered), `entry` (ms of the attempt's first event), `reach`
 * (Array(Int64), when steps 1..k had all been done) and `value` (breakdown value, '' if none).
 *
 * Shape: events → per-event sort key with step/exclusion flags → GROUP BY person collecting one
 * UInt256 per event → person properties joined → per-person attempt search (attempt-sql.ts).
 */
import { personProperty, resolvedEvents } from '../event-source.js';
import { attemptLayers } from './attempt-sql.js';
import { allOf, eventAccess, filterSql, type ParamBag, type PropertyAccess } from './filter-sql.js';
import { FUNNEL_EVENT_TYPES, type FunnelPlan, type PlanFilter, type PlanMatcher } from './funnel-plan.js';

/** Timestamps are biased by 2^62 so pre-1970 times still sort correctly as unsigned bits. */
const BIAS = '4611686018427387904';
const LOW64 = '18446744073709551615';

/** Person properties joined once per distinct key, as `pp0`, `pp1`, ... */
class PersonJoins {
  private readonly keys: string[] = [];

  constructor(private readonly p: ParamBag) {}

  access(property: string): PropertyAccess {
    let i = this.keys.indexOf(property);
    if (i < 0) {
      i = this.keys.length;
      this.keys.push(property);
    }
    return { text: `ifNull(pp${i}.value, '')`, present: `(ifNull(pp${i}.present, 0) = 1)` };
  }

  sql(database: string): string {
    return this.keys
      .map((key, i) => {
        const param = this.p.bindName(key);
        return `LEFT JOIN (SELECT person_id, value, toUInt8(1) AS present FROM ${personProperty(database, param)}) AS pp${i} ON pp${i}.person_id = g.person_id`;
      })
      .join('\n');
  }
}

function eventCondition(m: PlanMatcher, p: ParamBag): string {
  const filters = m.eventFilters.map((f) => filterSql(f, eventAccess(f, p), p));
  // `IN` is evaluated once per dictionary entry of the low-cardinality column; has() per row.
  return allOf([`event IN ${p.bind('Array(String)', [...m.names])}`, ...filters]);
}

function personCondition(filters: readonly PlanFilter[], joins: PersonJoins, p: ParamBag): string {
  return allOf(filters.map((f) => filterSql(f, joins.access(f.property), p)));
}

const bit = (cond: string, k: number): string => `bitShiftLeft(toUInt64(${cond}), ${k})`;

/** The per-person subquery; binds `{project:String}` (put it in the bag) and its own `fN` parameters. */
export function personStageSql(plan: FunnelPlan, database: string, projectId: string, p: ParamBag): string {
  const joins = new PersonJoins(p);
  const nonStrict = plan.mode !== 'strict';

  // Events the funnel can see: the scan covers [from, to + window) because a step can follow an
  // attempt that started just before `to`.
  const scope = [`e.type IN (${FUNNEL_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})`];
  if (plan.fromMs !== null) scope.push(`e.timestamp >= fromUnixTimestamp64Milli(${p.bind('Int64', plan.fromMs)}, 'UTC')`);
  if (plan.toMs !== null) scope.push(`e.timestamp < fromUnixTimestamp64Milli(${p.bind('Int64', plan.toMs + plan.windowMs)}, 'UTC')`);
  if (nonStrict) {
    // Strict mode needs every event (any of them can break a sequence); the others only need
    // events that can fill a step or trigger an exclusion.
    const names = new Set([...plan.steps, ...plan.exclusions].flatMap((m) => m.names));
    scope.push(`e.event IN ${p.bind('Array(String)', [...names])}`);
  }
  const source = resolvedEvents(database, projectId, scope.join(' AND '));

  const flags = [
    ...plan.steps.map((s, k) => bit(eventCondition(s, p), k)),
    ...plan.exclusions.map((x, i) => bit(eventCondition(x, p), 32 + i)),
  ].join(' + ');
  const globals = plan.eventFilters.map((f) => filterSql(f, eventAccess(f, p), p));
  const bd = plan.breakdown;
  const eventValue = bd && bd.type !== 'person' ? eventAccess({ source: bd.type, property: bd.property }, p).text : null;

  const events = `SELECT person_id,
      bitOr(bitOr(bitShiftLeft(toUInt256(toUInt64(toUnixTimestamp64Milli(timestamp) + ${BIAS})), 192),
                  bitShiftLeft(toUInt256(reinterpretAsUInt128(event_id)), 64)),
            toUInt256(${flags} AS flags)) AS k${eventValue ? `,\n      ${eventValue} AS bv` : ''}
    FROM ${source.sql}
    WHERE ${allOf([...globals, ...(nonStrict ? ['flags != 0'] : [])])}`;

  // Person-level parts of step and exclusion filters: one mask per person clears the flags of
  // steps/exclusions whose person filters fail.
  const personBits = [
    ...plan.steps.map((s, k) => (s.personFilters.length ? bit(personCondition(s.personFilters, joins, p), k) : bit('1', k))),
    ...plan.exclusions.map((x, i) =>
      x.personFilters.length ? bit(personCondition(x.personFilters, joins, p), 32 + i) : bit('1', 32 + i),
    ),
  ];
  const usesPersonMask = [...plan.steps, ...plan.exclusions].some((m) => m.personFilters.length > 0);
  const personMask = usesPersonMask ? `(${personBits.join(' + ')})` : `toUInt64('${LOW64}')`;
  const personWhere = personCondition(plan.personFilters, joins, p);
  const personValue = bd?.type === 'person' ? joins.access(bd.property).text : `''`;

  const grouped = `SELECT person_id, arraySort(groupArray(k)) AS ks${
    eventValue ? ', arraySort((v, x) -> x, groupArray(bv), groupArray(k)) AS bvs' : ''
  }
    FROM (${events})
    GROUP BY person_id`;

  const perPerson = `SELECT g.person_id AS person_id, g.ks AS ks${eventValue ? ', g.bvs AS bvs' : ''},
      ${personMask} AS pmask, ${personValue} AS pvalue
    FROM (${grouped}) AS g
    ${joins.sql(database)}
    WHERE ${personWhere}`;

  const valueExpr = !bd ? `''` : bd.type === 'person' ? 'pvalue' : `bvs[ms[${bd.attributionStep}]]`;
  let sql = `SELECT person_id, ${eventValue ? 'bvs, ' : ''}pvalue,
      arrayMap(x -> toInt64(bitShiftRight(x, 192)) - ${BIAS}, ks) AS ts,
      arrayMap(x -> bitAnd(toUInt64(x), pmask), ks) AS fl
    FROM (${perPerson})`;
  for (const layer of attemptLayers(plan, p)) sql = `SELECT *, ${layer.join(', ')} FROM (${sql})`;
  return `SELECT person_id, level, entry, reach, ${valueExpr} AS value FROM (${sql})`;
}
