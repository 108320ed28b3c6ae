/**
 * The input every reference implementation reads: a project's events with identity already
 * resolved, plus the latest person properties. Built from the same rows the tests insert into
 * the store, by the identity rules of `event-source.ts`: the alias link with the latest
 * `updated_at` wins, an empty alias target keeps the id as it is, and person property rows are
 * resolved the same way before the latest value per (person, key) is taken.
 */
import type { EventRow } from '../../events/event-row.js';
import { COLUMN_NAMES, type ColumnName } from './columns.js';

export interface RefEvent {
  /** Lowercase UUID text, the order equal timestamps are broken by. */
  readonly eventId: string;
  /** track, page, screen, identify, alias or group. */
  readonly type: string;
  readonly event: string;
  readonly personId: string;
  readonly ms: number;
  readonly properties: ReadonlyMap<string, string>;
  readonly columns: Readonly<Record<ColumnName, string>>;
}

export interface RefLog {
  readonly events: readonly RefEvent[];
  /** person id → key → latest value. */
  readonly personProperties: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export interface AliasRow {
  readonly distinct_id: string;
  readonly person_id: string;
  readonly updated_at: string;
}

export interface PersonPropertyRow {
  readonly person_id: string;
  readonly key: string;
  readonly value: string;
  readonly updated_at: string;
}

/** `2024-01-02 03:04:05.678` (UTC) → epoch ms. */
export function sqlTimeToMs(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function latest<R extends { updated_at: string }>(rows: readonly R[], key: (r: R) => string): Map<string, R> {
  const out = new Map<string, R>();
  for (const r of rows) {
    const k = key(r);
    const seen = out.get(k);
    if (!seen || sqlTimeToMs(r.updated_at) > sqlTimeToMs(seen.updated_at)) out.set(k, r);
  }
  return out;
}

export function buildRefLog(
  events: readonly EventRow[],
  aliases: readonly AliasRow[],
  personProperties: readonly PersonPropertyRow[],
): RefLog {
  const aliasOf = latest(aliases, (a) => a.distinct_id);
  const resolve = (distinctId: string): string => {
    const target = aliasOf.get(distinctId)?.person_id ?? '';
    return target !== '' ? target : distinctId;
  };
  const resolved = events.map((e): RefEvent => {
    const columns = Object.fromEntries(COLUMN_NAMES.map((c) => [c, e[c]])) as Record<ColumnName, string>;
    return {
      eventId: e.event_id.toLowerCase(),
      type: e.type,
      event: e.event,
      personId: resolve(e.person_id),
      ms: sqlTimeToMs(e.timestamp),
      properties: new Map(Object.entries(e.properties)),
      columns,
    };
  });
  // Traits recorded under an aliased id belong to the person it resolves to.
  const resolvedProps = personProperties.map((p) => ({ ...p, person_id: resolve(p.person_id) }));
  const props = new Map<string, Map<string, string>>();
  for (const r of latest(resolvedProps, (p) => JSON.stringify([p.person_id, p.key])).values()) {
    let m = props.get(r.person_id);
    if (!m) props.set(r.person_id, (m = new Map()));
    m.set(r.key, r.value);
  }
  return { events: resolved, personProperties: props };
}

/** Events in chronological order, equal timestamps by event id (the engine's order). */
export function chronological(events: readonly RefEvent[]): RefEvent[] {
  return [...events].sort((a, b) => a.ms - b.ms || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
