/**
 * Property filters shared by trends, retention and paths: the schema, the SQL compiler and the
 * reference predicate, side by side so their semantics cannot drift apart.
 *
 * A filter reads one value: an event property (`source: 'event'`, the default), a person property
 * (`'person'`, its latest value) or a typed column from a fixed whitelist (`'column'`). A value is
 * *set* when the event property key exists, the person has the property, or the column is not
 * empty. Then:
 * - eq, contains (substring, case-sensitive), regex (RE2 syntax, unanchored, `.` matches newlines),
 *   in, gt/gte/lt/lte (numbers as in `numeric.ts`; a non-number never matches): set and matching;
 * - neq, not_contains, not_in: the negation of eq, contains, in, so unset values pass;
 * - is_set / is_not_set: whether the value is set.
 */
import { z } from 'zod';
import { personProperty } from '../event-source.js';
import { COLUMN_NAMES, columnIdentifier, isColumnName } from './columns.js';
import type { RefEvent, RefLog } from './reference-log.js';
import { numericSql, numericValue } from './numeric.js';
import type { SqlParams } from './sql-params.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const source = z.enum(['event', 'person', 'column']).default('event');
const property = z.string().min(1).max(200);

/** Patterns the engine (RE2) and JavaScript disagree on or RE2 rejects: lookaround, backreferences. */
const UNPORTABLE_REGEX = /\(\?<?[=!]|\\[1-9]|\\k</;

const textFilter = z.object({
  property,
  source,
  op: z.enum(['eq', 'neq', 'contains', 'not_contains', 'regex']),
  value: scalar,
});
const numberFilter = z.object({
  property,
  source,
  op: z.enum(['gt', 'gte', 'lt', 'lte']),
  value: z.number().finite(),
});
const listFilter = z.object({
  property,
  source,
  op: z.enum(['in', 'not_in']),
  value: z.array(scalar).min(1).max(1000),
});
const presenceFilter = z.object({ property, source, op: z.enum(['is_set', 'is_not_set']) });

export const filterSchema = z
  .discriminatedUnion('op', [textFilter, numberFilter, listFilter, presenceFilter])
  .superRefine((f, ctx) => {
    if (f.source === 'column' && !isColumnName(f.property)) {
      ctx.addIssue({ code: 'custom', path: ['property'], message: `column must be one of ${COLUMN_NAMES.join(', ')}` });
    }
    if (f.op === 'regex') {
      if (UNPORTABLE_REGEX.test(f.value)) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'lookaround and backreferences are not supported' });
      }
      try {
        new RegExp(f.value, 'us');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `invalid regular expression: ${(err as Error).message}` });
      }
    }
  });

export type Filter = z.output<typeof filterSchema>;
export const filtersSchema = z.array(filterSchema).max(50).default([]);

export interface CompiledFilters {
  /** Conditions on event columns only, for `resolvedEvents(..., extraWhere)`; '' when none. */
  readonly eventWhere: string;
  /** Conditions on the resolved `person_id`, for the query around the event source; '' when none. */
  readonly personWhere: string;
}

const NEGATED: ReadonlySet<Filter['op']> = new Set(['neq', 'not_contains', 'not_in', 'is_not_set']);

/**
 * The condition of a filter's positive form (neq → eq, not_in → in, ...) on a String expression;
 * presence is added by the caller.
 */
function positiveSql(f: Filter, value: string, params: SqlParams): string {
  switch (f.op) {
    case 'eq':
    case 'neq':
      return `${value} = ${params.bind('String', f.value)}`;
    case 'contains':
    case 'not_contains':
      return `position(${value}, ${params.bind('String', f.value)}) > 0`;
    case 'regex':
      return `match(${value}, ${params.bind('String', f.value)})`;
    case 'in':
    case 'not_in':
      return `has(${params.bind('Array(String)', f.value)}, ${value})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
      return `coalesce(${numericSql(params, value)} ${cmp} ${params.bind('Float64', f.value)}, false)`;
    }
    case 'is_set':
    case 'is_not_set':
      return '1';
  }
}

function compileOne(f: Filter, params: SqlParams, database: string): { where: string; person: boolean } {
  const not = NEGATED.has(f.op) ? 'NOT ' : '';
  if (f.source === 'person') {
    const key = params.bindName(f.property);
    const cond = positiveSql(f, 'value', params);
    return { where: `person_id ${not}IN (SELECT person_id FROM ${personProperty(database, key)} WHERE ${cond})`, person: true };
  }
  let present: string;
  let value: string;
  if (f.source === 'column') {
    const column = columnIdentifier(f.property);
    present = `${column} != ''`;
    value = column;
  } else {
    const key = params.bind('String', f.property);
    present = `mapContains(properties, ${key})`;
    value = `properties[${key}]`;
  }
  return { where: `${not}(${present} AND ${positiveSql(f, value, params)})`, person: false };
}

export function compileFilters(filters: readonly Filter[], params: SqlParams, database: string): CompiledFilters {
  const event: string[] = [];
  const person: string[] = [];
  for (const f of filters) {
    const c = compileOne(f, params, database);
    (c.person ? person : event).push(c.where);
  }
  return { eventWhere: event.join(' AND '), personWhere: person.join(' AND ') };
}

/** The value a filter reads from an event, undefined when unset. */
export function filterValue(
  source: 'event' | 'person' | 'column',
  property: string,
  e: RefEvent,
  log: RefLog,
): string | undefined {
  if (source === 'person') return log.personProperties.get(e.personId)?.get(property);
  if (source === 'column') {
    if (!isColumnName(property)) throw new Error(`unknown column ${property}`);
    const v = e.columns[property];
    return v === '' ? undefined : v;
  }
  return e.properties.get(property);
}

/** Reference predicate: does the event pass the filter. */
export function filterMatches(f: Filter, e: RefEvent, log: RefLog): boolean {
  const v = filterValue(f.source, f.property, e, log);
  switch (f.op) {
    case 'eq':
      return v !== undefined && v === f.value;
    case 'neq':
      return !(v !== undefined && v === f.value);
    case 'contains':
      return v !== undefined && v.includes(f.value);
    case 'not_contains':
      return !(v !== undefined && v.includes(f.value));
    case 'regex':
      return v !== undefined && new RegExp(f.value, 'us').test(v);
    case 'in':
      return v !== undefined && f.value.includes(v);
    case 'not_in':
      return !(v !== undefined && f.value.includes(v));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = numericValue(v);
      if (n === undefined) return false;
      return f.op === 'gt' ? n > f.value : f.op === 'gte' ? n >= f.value : f.op === 'lt' ? n < f.value : n <= f.value;
    }
    case 'is_set':
      return v !== undefined;
    case 'is_not_set':
      return v === undefined;
  }
}

export function allFiltersMatch(filters: readonly Filter[], e: RefEvent, log: RefLog): boolean {
  return filters.every((f) => filterMatches(f, e, log));
}
