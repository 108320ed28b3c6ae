/**
 * Test data for funnels: compact event specs become both stored events and the reference
 * implementation's input, so engine and reference always see the same data.
 */
import type { AnalysisContext } from '../../../src/analyses/analysis.js';
import type { EventColumn } from '../../../src/analyses/funnel/definition.js';
import type { ReferenceData, ReferenceEvent } from '../../../src/analyses/funnel/reference.js';
import { toSqlTime, type EventRow } from '../../../src/events/event-row.js';
import type { Store } from '../../../src/store/store.js';

export interface EventSpec {
  readonly person: string;
  readonly event: string;
  /** Epoch ms. */
  readonly t: number;
  readonly id?: string;
  readonly type?: EventRow['type'];
  readonly props?: Readonly<Record<string, string>>;
  readonly cols?: Readonly<Partial<Record<EventColumn, string>>>;
}

/** An identity link: events and properties of `distinct` belong to `person`. */
export interface AliasSpec {
  readonly distinct: string;
  readonly person: string;
}

export interface PersonPropSpec {
  readonly person: string;
  readonly key: string;
  readonly value: string;
}

/** A UUID whose engine order follows `i` (the engine compares the last 16 hex digits first). */
export function orderedId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export const T0 = Date.UTC(2024, 0, 1);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

function withIds(events: readonly EventSpec[]): Array<EventSpec & { id: string }> {
  return events.map((e, i) => ({ ...e, id: e.id ?? orderedId(i + 1) }));
}

export function eventRows(project: string, events: readonly EventSpec[]): EventRow[] {
  return withIds(events).map((e) => ({
    project_id: project,
    event_id: e.id,
    type: e.type ?? 'track',
    event: e.event,
    person_id: e.person,
    anonymous_id: '',
    user_id: e.person,
    timestamp: toSqlTime(e.t),
    received_at: toSqlTime(e.t),
    sent_at: null,
    timestamp_clamped: false,
    page_url: e.cols?.page_url ?? '',
    page_path: e.cols?.page_path ?? '',
    page_referrer: e.cols?.page_referrer ?? '',
    page_title: e.cols?.page_title ?? '',
    device_type: e.cols?.device_type ?? '',
    os: e.cols?.os ?? '',
    browser: e.cols?.browser ?? '',
    channel: e.cols?.channel ?? '',
    utm_source: e.cols?.utm_source ?? '',
    utm_medium: e.cols?.utm_medium ?? '',
    utm_campaign: e.cols?.utm_campaign ?? '',
    country: e.cols?.country ?? '',
    locale: e.cols?.locale ?? '',
    properties: { ...(e.props ?? {}) },
    traits: {},
    context: '',
  }));
}

export function referenceData(events: readonly EventSpec[], personProps: readonly PersonPropSpec[] = [], aliases: readonly AliasSpec[] = []): ReferenceData {
  const personOf = new Map(aliases.map((a) => [a.distinct, a.person]));
  const refEvents: ReferenceEvent[] = withIds(events).map((e) => ({
    eventId: e.id,
    personId: personOf.get(e.person) ?? e.person,
    type: e.type ?? 'track',
    event: e.event,
    timestampMs: e.t,
    properties: e.props ?? {},
    columns: e.cols ?? {},
  }));
  const personProperties = new Map<string, Record<string, string>>();
  for (const p of personProps) personProperties.set(p.person, { ...(personProperties.get(p.person) ?? {}), [p.key]: p.value });
  return { events: refEvents, personProperties };
}

/** Inserts several projects' events, person properties and aliases in at most three round trips. */
export async function insertProjects(
  store: Store,
  projects: ReadonlyArray<{ project: string; events: readonly EventSpec[]; personProps?: readonly PersonPropSpec[]; aliases?: readonly AliasSpec[] }>,
): Promise<void> {
  const rows = projects.flatMap((p) => eventRows(p.project, p.events));
  if (rows.length > 0) await store.insertJsonRows('events', rows.map((r) => JSON.stringify(r)).join('\n'));
  const props = projects.flatMap((p) =>
    (p.personProps ?? []).map((x) => ({ project_id: p.project, person_id: x.person, key: x.key, value: x.value, updated_at: toSqlTime(T0) })),
  );
  if (props.length > 0) await store.insertJsonRows('person_properties', props.map((r) => JSON.stringify(r)).join('\n'));
  const links = projects.flatMap((p) =>
    (p.aliases ?? []).map((a) => ({ project_id: p.project, distinct_id: a.distinct, person_id: a.person, updated_at: toSqlTime(T0) })),
  );
  if (links.length > 0) await store.insertJsonRows('person_aliases', links.map((r) => JSON.stringify(r)).join('\n'));
}

export function context(store: Store, projectId: string, timezone = 'UTC'): AnalysisContext {
  return { store, projectId, timezone, now: () => T0 };
}
