/**
 * The funnel's value access. Filters themselves compile with the shared compiler
 * (analyses/shared/filters.ts, `filterSql`), and every value binds through the kernel's
 * `NumberedParams` (kernel/sql.ts) as `{fN:Type}`: property keys, values and event names never
 * reach the SQL text; column names come from the EVENT_COLUMNS whitelist.
 */
import type { ParamSink } from '../kernel/sql.js';
import { EVENT_COLUMNS, type EventColumn } from './definition.js';
import type { PlanFilter } from './funnel-plan.js';
import type { ValueAccess } from '../shared/filters.js';

/** The SQL identifier of a whitelisted column; throws for anything else (validation already refused it). */
export function columnIdentifier(name: string): EventColumn {
  const found = EVENT_COLUMNS.find((c) => c === name);
  if (!found) throw new Error(`not a filterable column: ${JSON.stringify(name)}`);
  return found;
}

/** How to read a filter's property: its text (anything when unset) and whether it is set. */
export type PropertyAccess = ValueAccess;

/** Access to an event property or typed column on an events row. */
export function eventAccess(f: Pick<PlanFilter, 'source' | 'property'>, p: ParamSink): PropertyAccess {
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
