/**
 * The funnel's parameters and value access. Filters themselves compile with the shared compiler
 * (analyses/shared/filters.ts, `filterSql`). Property keys, values and event names only ever reach
 * the SQL text as `{name:Type}` placeholders; column names come from the EVENT_COLUMNS whitelist.
 */
import type { QueryParams, ParamValue } from '../../store/store.js';
import { EVENT_COLUMNS, type EventColumn } from './definition.js';
import type { PlanFilter } from './funnel-plan.js';
import type { ValueAccess } from '../shared/filters.js';

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

/** How to read a filter's property: its text (anything when unset) and whether it is set. */
export type PropertyAccess = ValueAccess;

/** Access to an event property or typed column on an events row. */
export function eventAccess(f: Pick<PlanFilter, 'source' | 'property'>, p: ParamBag): PropertyAccess {
  if (f.source === 'column') {
    const col = columnIdentifier(f.property);
    return { text: col, present: `(${col} != '')` };
  }
  const key = p.bind('String', f.property);
  return { text: `properties[${key}]`, present: `mapContains(properties, ${key})` };
}

/** All filters joined with AND; `1` when there are none. */
export function allOf(parts: readonly string[]): string {
  return parts.length === 0 ? '1' : parts.join(' AND ');
}
