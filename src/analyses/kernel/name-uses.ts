/**
 * The names each definition shape uses, as `NameUse`s for `checkNames`: filters, breakdowns,
 * event names. Analyses call these from their `names` hook, so the same filter list is read the
 * same way everywhere.
 */
import type { NameUse, NameSource } from './names.js';

interface FilterLike {
  readonly source?: NameSource | undefined;
  readonly property: string;
}

/** `filters[i]` of a list (source defaults to event, as the filter schema does). */
export function filterUses(filters: readonly FilterLike[] | undefined, at = 'filters'): NameUse[] {
  return (filters ?? []).map((f, i) => ({ at: `${at}[${i}]`, kind: 'property', source: f.source ?? 'event', property: f.property }));
}

/** One event name or several (`undefined` = every event: nothing to check). */
export function eventUses(events: string | readonly string[] | undefined, at: string): NameUse[] {
  if (events === undefined) return [];
  const list = typeof events === 'string' ? [events] : events;
  return list.map((event, i) => ({ at: list.length > 1 ? `${at}[${i}]` : at, kind: 'event', event }));
}

export function propertyUse(at: string, source: NameSource, property: string): NameUse {
  return { at, kind: 'property', source, property };
}
