/** Small hand-written event rows for fixture tests that a reader can check by eye. */
import type { EventRow } from '../../../src/events/event-row.js';
import type { Store } from '../../../src/store/store.js';

export interface FixtureEvent {
  readonly id: number;
  readonly type?: EventRow['type'];
  readonly event: string;
  readonly person: string;
  /** ISO instant. */
  readonly at: string;
  readonly properties?: Record<string, string>;
  readonly country?: string;
}

export function fixtureRow(project: string, e: FixtureEvent): EventRow {
  const ts = new Date(e.at).toISOString().replace('T', ' ').replace('Z', '');
  return {
    project_id: project,
    event_id: `00000000-0000-4000-8000-${String(e.id).padStart(12, '0')}`,
    type: e.type ?? 'track',
    event: e.event,
    person_id: e.person,
    anonymous_id: '',
    user_id: '',
    timestamp: ts,
    received_at: ts,
    sent_at: null,
    timestamp_clamped: false,
    page_url: '',
    page_path: '',
    page_referrer: '',
    page_title: '',
    device_type: '',
    os: '',
    browser: '',
    channel: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    country: e.country ?? '',
    locale: '',
    properties: e.properties ?? {},
    traits: {},
    context: '',
  };
}

export async function insertFixture(store: Store, project: string, events: readonly FixtureEvent[]): Promise<void> {
  await store.insertJsonRows('events', events.map((e) => JSON.stringify(fixtureRow(project, e))).join('\n'));
}
