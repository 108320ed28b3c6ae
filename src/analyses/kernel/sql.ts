/**
 * The one SQL fragment type and the one parameter path.
 *
 * A `Fragment` is SQL text from this codebase's own template literals with slots. A slot holds
 * only another fragment, a bound parameter (`param`) or an identifier from a fixed allow-list
 * (`ident`); `sql` refuses anything else at run time, and the types refuse it at compile time, so
 * no value from a definition can become SQL text. `compile` walks a fragment once and sends every
 * parameter through one sink (`ParamSink.bind`), which writes a `{pN:Type}` placeholder: the
 * same shape as Kysely's `appendValue → addParameter`, where the dialect decides placeholders.
 *
 * @example
 *   const q = compile(sql`SELECT count() FROM ${table} WHERE event = ${str(name)}`);
 *   // q.sql: 'SELECT count() FROM db.events WHERE event = {p0:String}', q.params: { p0: name }
 */
import type { ParamValue, QueryParams } from '../../store/store.js';

/** The placeholder types compilers use; a fixed vocabulary, never taken from input. */
export type ParamType =
  | 'String'
  | 'Int64'
  | 'UInt64'
  | 'UInt32'
  | 'UInt8'
  | 'Float64'
  | 'Date'
  | 'UUID'
  | 'Array(String)'
  | 'Array(UInt32)'
  | 'Array(Date)'
  | 'Array(UUID)'
  | "DateTime64(3, 'UTC')";

export interface Param {
  readonly kind: 'param';
  readonly type: ParamType;
  readonly value: ParamValue;
}

export interface Identifier {
  readonly kind: 'ident';
  readonly name: string;
}

export interface Fragment {
  readonly kind: 'fragment';
  readonly strings: readonly string[];
  readonly slots: readonly Slot[];
}

export type Slot = Fragment | Param | Identifier;

function isSlot(x: unknown): x is Slot {
  if (typeof x !== 'object' || x === null) return false;
  const kind = (x as { kind?: unknown }).kind;
  return kind === 'fragment' || kind === 'param' || kind === 'ident';
}

/** A fragment from a template literal; every `${}` must be a fragment, a param or an ident. */
export function sql(strings: TemplateStringsArray, ...slots: Slot[]): Fragment {
  slots.forEach((s, i) => {
    // The type already forbids strings and numbers; this also catches `as any` and JS callers.
    if (!isSlot(s)) throw new TypeError(`sql slot ${i} is a ${typeof s}, not a fragment, param or ident`);
  });
  return Object.freeze({ kind: 'fragment', strings: Object.freeze([...strings]), slots: Object.freeze([...slots]) });
}

/** A bound value. Reusing one Param object in several slots binds it once. */
export function param(type: ParamType, value: ParamValue): Param {
  return Object.freeze({ kind: 'param', type, value });
}

export const str = (v: string): Param => param('String', v);
export const int64 = (v: number): Param => param('Int64', v);
export const uint32 = (v: number): Param => param('UInt32', v);
export const float64 = (v: number): Param => param('Float64', v);
export const strings = (v: readonly string[]): Param => param('Array(String)', [...v]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * An identifier: `name` must be one of `allowed` (columns, tables) and a plain identifier.
 * Database names come from config and are checked by the same pattern (`database`).
 */
export function ident(name: string, allowed: readonly string[]): Identifier {
  if (!allowed.includes(name) || !IDENTIFIER.test(name)) throw new Error(`"${name}" is not an allowed identifier`);
  return Object.freeze({ kind: 'ident', name });
}

/** A qualified name `database.table`, the table from an allow-list. */
export function qualified(database: string, table: string, allowed: readonly string[]): Fragment {
  return sql`${ident(database, [database])}.${ident(table, allowed)}`;
}

/** The empty fragment. */
export const empty: Fragment = sql``;

/** Fragments separated by a fixed separator (`, `, ` AND `...). */
export function join(parts: readonly Fragment[], separator: ', ' | ' AND ' | ' OR ' | ' UNION ALL ' | '\n'): Fragment {
  if (parts.length === 0) return empty;
  const strs = ['', ...parts.slice(1).map(() => separator), ''];
  return Object.freeze({ kind: 'fragment', strings: Object.freeze(strs), slots: Object.freeze([...parts]) });
}

/** The condition that always holds; `and` drops it, so optional conditions compose without cases. */
export const TRUE: Fragment = sql`1`;

/** `(a) AND (b) ...`, or `1` for none (so a WHERE never needs a special case). */
export function and(conds: readonly Fragment[]): Fragment {
  const real = conds.filter((c) => c !== TRUE && !isEmpty(c));
  if (real.length === 0) return TRUE;
  if (real.length === 1) return real[0]!;
  return join(real.map((c) => sql`(${c})`), ' AND ');
}

export function isEmpty(f: Fragment): boolean {
  return f.slots.length === 0 && f.strings.every((s) => s.trim() === '');
}

/** Where placeholders for parameters are written: the one place a value turns into SQL text. */
export interface ParamSink {
  /** Records the value and returns its placeholder, e.g. `{p0:String}`. */
  bind(type: ParamType, value: ParamValue): string;
}

/**
 * The parameter set of one statement: `{<prefix>N:Type}` names in the order they are bound.
 * Callers that still write SQL text (the funnel, the importer, live SQL, the report state) bind
 * through an instance with their own prefix; fragment compilers never see it.
 */
export class NumberedParams implements ParamSink {
  private readonly values: Record<string, ParamValue> = {};
  private next = 0;

  constructor(private readonly prefix = 'p') {
    if (!/^[a-z]+$/.test(prefix)) throw new Error(`parameter prefix "${prefix}" must be lower-case letters`);
  }

  bind(type: ParamType, value: ParamValue): string {
    const name = `${this.prefix}${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  /** Everything bound so far, plus fixed named parameters a legacy caller still uses. */
  with(extra: QueryParams = {}): QueryParams {
    return { ...extra, ...this.values };
  }
}

export interface CompiledSql {
  readonly sql: string;
  readonly params: QueryParams;
}

/**
 * Writes a fragment's text with every parameter bound through `sink`. `named` gives some
 * parameters a fixed placeholder instead: only the legacy bridge (`legacy-text.ts`) uses it, for
 * the `{project:String}` that funnel and sessions SQL still expects.
 */
export function render(fragment: Fragment, sink: ParamSink, named: ReadonlyMap<Param, string> = new Map()): string {
  const seen = new Map<Param, string>(named);
  const walk = (f: Fragment): string => {
    let out = f.strings[0] ?? '';
    f.slots.forEach((s, i) => {
      if (s.kind === 'fragment') out += walk(s);
      else if (s.kind === 'ident') out += s.name;
      else {
        let placeholder = seen.get(s);
        if (placeholder === undefined) {
          placeholder = sink.bind(s.type, s.value);
          seen.set(s, placeholder);
        }
        out += placeholder;
      }
      out += f.strings[i + 1] ?? '';
    });
    return out;
  };
  return walk(fragment);
}

/** A frozen `{ sql, params }` for a store, placeholders `{p0:...}`, `{p1:...}` in text order. */
export function compile(fragment: Fragment): CompiledSql {
  const params = new NumberedParams();
  const text = render(fragment, params);
  return Object.freeze({ sql: text, params: Object.freeze(params.with()) });
}
