/**
 * Filters as SQL over bound parameters. Property keys, values and event names only ever reach the
 * SQL text as `{name:Type}` placeholders; column names come from the EVENT_COLUMNS whitelist.
 */
import type { QueryParams, ParamValue } from '../../store/store.js';
import { EVENT_COLUMNS, type EventColumn } from './definition.js';
import { NUMBER_TEXT, type PlanFilter } from './funnel-plan.js';

/** Allocates parameter names (`fN`) and collects their values. */
export class ParamBag {
  private readonly values: Record<string, ParamValue> = {};
  private next = 0;

  constructor(initial: QueryParams = {}) {
    Object.assign(this.values, initial);
  }

  /** Binds a value and returns its placeholder, e.g. `{f3:String}`. */
  bind(type: string, value: ParamValue): string {
    return `{${this.bindName(value)}:${type}}`;
  }

  /** Binds a value and returns only its name, for helpers that write the placeholder themselves. */
  bindName(value: ParamValue): string {
    const name = `f${this.next++}`;
    this.values[name] = value;
    return name;
  }

  get params(): QueryParams {
    return { ...this.values };
  }
}

/** The SQL identifier of a whitelisted column; throws for anything else (validation already refused it). */
export function columnIdentifier(name: string): EventColumn {
  const found = EVENT_COLUMNS.find((c) => c === name);
  if (!found) throw new Error(`not a filterable column: ${JSON.stringify(name)}`);
  return found;
}

/** How to read a filter's property: its text ('' when unset) and whether it is set. */
export interface PropertyAccess {
  readonly text: string;
  readonly present: string;
}

/** Access to an event property or typed column on an events row. */
export function eventAccess(f: Pick<PlanFilter, 'source' | 'property'>, p: ParamBag): PropertyAccess {
  if (f.source === 'column') {
    const col = columnIdentifier(f.property);
    return { text: col, present: `(${col} != '')` };
  }
  const key = p.bind('String', f.property);
  return { text: `properties[${key}]`, present: `mapContains(properties, ${key})` };
}

/** A boolean SQL expression for one filter over the given access. */
export function filterSql(f: PlanFilter, a: PropertyAccess, p: ParamBag): string {
  const v = f.value;
  const text = (): string => p.bind('String', typeof v === 'string' ? v : '');
  const num = (): string => p.bind('Float64', typeof v === 'number' ? v : 0);
  const list = (): string => p.bind('Array(String)', Array.isArray(v) ? [...(v as readonly string[])] : []);
  // Numeric comparisons hold only for texts shaped like a decimal number.
  const numeric = (cmp: string): string => `(match(${a.text}, '${NUMBER_TEXT.replaceAll('\\', '\\\\')}') AND toFloat64OrZero(${a.text}) ${cmp} ${num()})`;
  switch (f.op) {
    case 'eq': return `(${a.text} = ${text()})`;
    case 'neq': return `(${a.text} != ${text()})`;
    case 'contains': return `(position(${a.text}, ${text()}) > 0)`;
    case 'not_contains': return `(position(${a.text}, ${text()}) = 0)`;
    case 'regex': return `match(${a.text}, ${text()})`;
    case 'gt': return numeric('>');
    case 'gte': return numeric('>=');
    case 'lt': return numeric('<');
    case 'lte': return numeric('<=');
    case 'is_set': return a.present;
    case 'is_not_set': return `(NOT ${a.present})`;
    case 'in': return `(${a.text} IN ${list()})`;
    case 'not_in': return `(${a.text} NOT IN ${list()})`;
  }
}

/** All filters joined with AND; `1` when there are none. */
export function allOf(parts: readonly string[]): string {
  return parts.length === 0 ? '1' : parts.join(' AND ');
}
