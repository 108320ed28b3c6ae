/** Test helpers: turn reference events into stored rows, and a compact way to write fixtures. */
import type { RefEvent } from '../../../src/analyses/sessions/reference-sessionize.js';
import { toSqlTime } from '../../../src/events/event-row.js';
import type { Store } from '../../../src/store/store.js';

/** Inserts events of several projects in one round-trip. */
export async function insertEvents(store: Store, batches: ReadonlyArray<{ projectId: string; events: readonly RefEvent[] }>): Promise<void> {
  const lines: string[] = [];
  for (const { projectId, events } of batches) {
    for (const e of events) {
      lines.push(JSON.stringify({
        project_id: projectId,
        event_id: e.eventId,
        type: e.type,
        event: e.event,
        person_id: e.personId,
        anonymous_id: '',
        user_id: e.personId,
        timestamp: toSqlTime(e.timestampMs),
        received_at: toSqlTime(e.timestampMs),
        sent_at: null,
        channel: e.channel,
        utm_campaign: e.utmCampaign,
        page_path: e.pagePath,
        device_type: e.deviceType,
        properties: e.properties,
        traits: {},
      }));
    }
  }
  if (lines.length > 0) await store.insertJsonRows('events', lines.join('\n'));
}

let counter = 0;

/** A UUID whose text order follows creation order, so fixture tie-breaks are easy to read. */
export function nextEventId(): string {
  counter += 1;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** A track event at an ISO time (any UTC offset); fields default to empty. */
export function ev(personId: string, event: string, iso: string, extra: Partial<RefEvent> = {}): RefEvent {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad time ${iso}`);
  return {
    eventId: nextEventId(),
    personId,
    type: 'track',
    event,
    timestampMs: ms,
    channel: '',
    utmCampaign: '',
    pagePath: '',
    deviceType: '',
    properties: {},
    ...extra,
  };
}
