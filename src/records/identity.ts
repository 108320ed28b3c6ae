/**
 * Identity facts carried by events, extracted as the loader stores them:
 *  - an event that carries both a userId and an anonymousId (identify after login, or any SDK call
 *    made while both are known) links the anonymous id to the user id;
 *  - an alias links previousId to userId;
 *  - identify traits become person properties (the latest event timestamp wins, per key).
 * Analyses resolve `person_id` through `person_aliases` at query time, so a link also applies to
 * events stored before it. Links are one hop: a distinct id maps to a user id.
 */
import type { EventRow } from '../events/event-row.js';

export interface AliasRow {
  project_id: string;
  distinct_id: string;
  person_id: string;
  updated_at: string;
}

export interface PersonPropertyRow {
  project_id: string;
  person_id: string;
  key: string;
  value: string;
  updated_at: string;
}

export function identityRows(events: readonly EventRow[]): { aliases: AliasRow[]; properties: PersonPropertyRow[] } {
  const aliases: AliasRow[] = [];
  const properties: PersonPropertyRow[] = [];
  for (const e of events) {
    if (e.user_id !== '' && e.anonymous_id !== '' && e.anonymous_id !== e.user_id) {
      aliases.push({ project_id: e.project_id, distinct_id: e.anonymous_id, person_id: e.user_id, updated_at: e.timestamp });
    }
    const previous = e.type === 'alias' ? e.properties.previousId : undefined;
    if (previous && e.user_id !== '' && previous !== e.user_id) {
      aliases.push({ project_id: e.project_id, distinct_id: previous, person_id: e.user_id, updated_at: e.timestamp });
    }
    if (e.type === 'identify') {
      for (const [key, value] of Object.entries(e.traits)) {
        properties.push({ project_id: e.project_id, person_id: e.person_id, key, value, updated_at: e.timestamp });
      }
    }
  }
  return { aliases, properties };
}
