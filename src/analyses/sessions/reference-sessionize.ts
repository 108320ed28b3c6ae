/**
 * Reference sessionizer: the documented rules (docs/sessions.md) as a plain loop, for the
 * property tests to compare the engine against. Written to be obviously right, not fast.
 */
import { localDate } from './local-date.js';
import type { SessionRules } from './session-rules.js';
import { eventDays } from './session-rules.js';
import { ACTIVITY_TYPES } from './sessionize-sql.js';

/** An event as the analyses see it (person already resolved through aliases). */
export interface RefEvent {
  readonly eventId: string;
  readonly personId: string;
  readonly type: string;
  readonly event: string;
  readonly timestampMs: number;
  readonly channel: string;
  readonly utmCampaign: string;
  readonly pagePath: string;
  readonly deviceType: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface RefSession {
  readonly personId: string;
  /** In session order: timestamp, then event id. */
  readonly events: readonly RefEvent[];
}

/** Event order within a person: time, then event id as text. */
export function compareEvents(a: RefEvent, b: RefEvent): number {
  if (a.timestampMs !== b.timestampMs) return a.timestampMs - b.timestampMs;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function sourceOf(e: RefEvent): string | null {
  return e.channel === '' && e.utmCampaign === '' ? null : JSON.stringify([e.channel, e.utmCampaign]);
}

/** Every session of every person, built from the events the range makes a query read. */
export function referenceSessionize(events: readonly RefEvent[], rules: SessionRules, timezone: string): RefSession[] {
  const days = eventDays(rules, timezone);
  const byPerson = new Map<string, RefEvent[]>();
  for (const e of events) {
    if (!(ACTIVITY_TYPES as readonly string[]).includes(e.type)) continue;
    const day = localDate(e.timestampMs, timezone);
    if (days.from !== null && day < days.from) continue;
    if (days.to !== null && day > days.to) continue;
    const list = byPerson.get(e.personId) ?? [];
    list.push(e);
    byPerson.set(e.personId, list);
  }

  const sessions: RefSession[] = [];
  for (const [personId, list] of byPerson) {
    list.sort(compareEvents);
    let current: RefEvent[] = [];
    let pieceStart = 0;
    let runSource: string | null = null;
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as RefEvent;
      const prev = i > 0 ? (list[i - 1] as RefEvent) : null;
      const source = sourceOf(e);
      let newRun = prev === null || e.timestampMs - prev.timestampMs > rules.timeoutMs;
      if (!newRun && rules.splitAtMidnight && prev !== null) {
        newRun = localDate(e.timestampMs, timezone) !== localDate(prev.timestampMs, timezone);
      }
      if (newRun) runSource = null;
      const sourceChange = rules.splitOnChannelChange && !newRun && source !== null && runSource !== null && source !== runSource;
      if (source !== null) runSource = source;
      const newPiece = newRun || sourceChange;
      if (newPiece) pieceStart = e.timestampMs;
      const windowOf = (t: number): number => Math.floor((t - pieceStart) / rules.maxLengthMs);
      const newWindow = !newPiece && prev !== null && windowOf(e.timestampMs) !== windowOf(prev.timestampMs);
      if ((newPiece || newWindow) && current.length > 0) {
        sessions.push({ personId, events: current });
        current = [];
      }
      current.push(e);
    }
    if (current.length > 0) sessions.push({ personId, events: current });
  }
  return sessions;
}
