/**
 * Property filters of every analysis: the schema trends, retention and paths use, the one SQL
 * compiler (`filterSql`) and the one reference predicate (`valueMatches`), side by side so their
 * semantics cannot drift apart. The funnel validates its own definition shape but compiles and
 * checks its filters with these two functions. The semantics are written down in
 * docs/definitions.md ("Filters").
 *
 * A filter reads one value: an event property (`source: 'event'`, the default), a person property
 * (`'person'`, its latest value, resolved through aliases) or a typed column from a fixed
 * whitelist (`'column'`). A value is *set* when the event property key exists, the person has the
 * property, or the column is not empty. Then:
 * - eq, contains (substring, case-sensitive), regex (RE2 syntax, unanchored, `.` matches newlines),
 *   in, gt/gte/lt/lte (numbers as in `numeric.ts`; a non-number never matches): set and matching;
 *   so a missing key is not equal to "" and matches no pattern, not even `^$`;
 * - neq, not_contains, not_in: the negation of eq, contains, in, so unset values pass;
 * - is_set / is_not_set: whether the value is set.
 */
import { z } from 'zod';
import { legacyText } from '../kernel/legacy-text.js';
import type { ProjectScope } from '../kernel/scope.js';
import { and, float64, ident, render, sql, str, strings, type Fragment } from '../kernel/sql.js';
import { COLUMN_NAMES, columnIdentifier, isColumnName } from './columns.js';
import type { RefEvent, RefLog } from './reference-log.js';
import { numericOf, numericValue } from './numeric.js';
import type { Binder } from './sql-params.js';

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



/** The operators, and the ones that are the negation of another (neq → eq, not_in → in, ...). */
export type FilterOp = Filter['op'];
const NEGATED: ReadonlySet<FilterOp> = new Set(['neq', 'not_contains', 'not_in', 'is_not_set']);

/**
 * What the compiler and the reference predicate need of a filter: its operator and its value
 * (text for eq/neq/contains/not_contains/regex, a number for gt/gte/lt/lte, a list of texts for
 * in/not_in, none for is_set/is_not_set). The shared schema's `Filter` is one; the funnel's
 * normalised filters are another.
 */
export interface FilterTest {
  readonly op: FilterOp;
  readonly value?: string | number | readonly string[] | null | undefined;
}

function textOf(f: FilterTest): string {
  if (typeof f.value !== 'string') throw new Error(`${f.op} needs a text value`);
  return f.value;
}

function numberOf(f: FilterTest): number {
  if (typeof f.value !== 'number' || !Number.isFinite(f.value)) throw new Error(`${f.op} needs a finite number`);
  return f.value;
}

function listOf(f: FilterTest): readonly string[] {
  if (!Array.isArray(f.value)) throw new Error(`${f.op} needs a list of values`);
  return f.value as readonly string[];
}

/**
 * How a compiler reads the value a filter tests: `text`, a String expression (its value when
 * set, anything when not), and `present`, a boolean expression saying whether it is set.
 */
export interface ValueAccess {
  readonly text: string;
  readonly present: string;
}

/** `ValueAccess` as fragments, for compilers written on the kernel. */
export interface ValueFragments {
  readonly text: Fragment;
  readonly present: Fragment;
}

const COMPARE: Record<'gt' | 'gte' | 'lt' | 'lte', Fragment> = { gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` };

/**
 * The condition of a filter's positive form (neq → eq, not_in → in, ...) on a String expression;
 * presence is added by the caller.
 */
function positive(f: FilterTest, value: Fragment): Fragment {
  switch (f.op) {
    case 'eq':
    case 'neq':
      return sql`${value} = ${str(textOf(f))}`;
    case 'contains':
    case 'not_contains':
      return sql`position(${value}, ${str(textOf(f))}) > 0`;
    case 'regex':
      return sql`match(${value}, ${str(textOf(f))})`;
    case 'in':
    case 'not_in':
      return sql`has(${strings(listOf(f))}, ${value})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return sql`coalesce(${numericOf(value)} ${COMPARE[f.op]} ${float64(numberOf(f))}, false)`;
    case 'is_set':
    case 'is_not_set':
      return sql`1`;
  }
}

/**
 * The one filter compiler: a boolean condition for filter `f` on the value `access` reads. A
 * positive operator holds when the value is set and matches; a negated one is its negation, so
 * unset values pass it (docs/definitions.md, "Filters").
 */
export function filterFragment(f: FilterTest, access: ValueFragments): Fragment {
  const cond = sql`(${access.present} AND ${positive(f, access.text)})`;
  return NEGATED.has(f.op) ? sql`NOT ${cond}` : cond;
}

/** `filterFragment` for compilers that still write SQL text with their own binder (the funnel). */
export function filterSql(f: FilterTest, access: ValueAccess, params: Binder): string {
  return render(filterFragment(f, { text: legacyText(access.text), present: legacyText(access.present) }), params);
}

export interface CompiledFilters {
  /** Conditions on event columns only, for `scope.events({ where })`. */
  readonly eventWhere: Fragment;
  /** Conditions on the resolved `person_id`, for the query around the event source. */
  readonly personWhere: Fragment;
  /** Whether any filter reads a person property (the events must then be resolved). */
  readonly readsPersons: boolean;
}

/** How an event-level filter reads its value: a typed column or an event property. */
export function eventValue(source: 'event' | 'column', property: string): ValueFragments {
  if (source === 'column') {
    const column = sql`${ident(columnIdentifier(property), COLUMN_NAMES)}`;
    return { text: column, present: sql`${column} != ''` };
  }
  const key = str(property);
  return { text: sql`properties[${key}]`, present: sql`mapContains(properties, ${key})` };
}

function compileOne(f: Filter, scope: ProjectScope): { where: Fragment; person: boolean } {
  if (f.source === 'person') {
    // Person properties are read through the alias-resolved latest value: a person is in the
    // subquery exactly when the property is set and its positive form matches.
    const not = NEGATED.has(f.op) ? sql`NOT ` : sql``;
    const cond = positive(f, sql`value`);
    return { where: sql`person_id ${not}IN (SELECT person_id FROM ${scope.personProperty(str(f.property))} WHERE ${cond})`, person: true };
  }
  return { where: filterFragment(f, eventValue(f.source, f.property)), person: false };
}

export function compileFilters(filters: readonly Filter[], scope: ProjectScope): CompiledFilters {
  const event: Fragment[] = [];
  const person: Fragment[] = [];
  for (const f of filters) {
    const c = compileOne(f, scope);
    (c.person ? person : event).push(c.where);
  }
  return { eventWhere: and(event), personWhere: and(person), readsPersons: person.length > 0 };
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

/**
 * The one reference predicate: does a value (undefined when unset) pass the filter. Regexes run
 * with `s` because the engine's match() lets `.` match a newline (checked on chDB: match('x\ny',
 * 'x.y') = 1); `u` reads the pattern by code point, as RE2 reads UTF-8.
 */
export function valueMatches(f: FilterTest, v: string | undefined): boolean {
  switch (f.op) {
    case 'eq':
      return v !== undefined && v === textOf(f);
    case 'neq':
      return !(v !== undefined && v === textOf(f));
    case 'contains':
      return v !== undefined && v.includes(textOf(f));
    case 'not_contains':
      return !(v !== undefined && v.includes(textOf(f)));
    case 'regex':
      return v !== undefined && new RegExp(textOf(f), 'us').test(v);
    case 'in':
      return v !== undefined && listOf(f).includes(v);
    case 'not_in':
      return !(v !== undefined && listOf(f).includes(v));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = numericValue(v);
      if (n === undefined) return false;
      const x = numberOf(f);
      return f.op === 'gt' ? n > x : f.op === 'gte' ? n >= x : f.op === 'lt' ? n < x : n <= x;
    }
    case 'is_set':
      return v !== undefined;
    case 'is_not_set':
      return v === undefined;
  }
}

/** Reference predicate: does the event pass the filter. */
export function filterMatches(f: Filter, e: RefEvent, log: RefLog): boolean {
  return valueMatches(f, filterValue(f.source, f.property, e, log));
}

export function allFiltersMatch(filters: readonly Filter[], e: RefEvent, log: RefLog): boolean {
  return filters.every((f) => filterMatches(f, e, log));
}
