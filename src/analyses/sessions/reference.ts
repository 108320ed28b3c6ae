/**
 * Reference implementation of the sessions analysis (docs/sessions.md), in plain TypeScript over
 * an in-memory event list. The property tests require the engine to match it exactly.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_LIST_LIMIT } from './definition.js';
import type { SessionsPlan } from './definition.js';
import { localDate } from './local-date.js';
import type { RefEvent, RefSession } from './reference-sessionize.js';
import { referenceSessionize } from './reference-sessionize.js';
import type { SessionDay, SessionRow, SessionsResult } from './result.js';
import { sessionRange } from './session-rules.js';

/** Session id: MD5 of person id, a NUL byte and the first event id, as lowercase hex. */
export function referenceSessionId(personId: string, firstEventId: string): string {
  return createHash('md5').update(`${personId}\u0000${firstEventId}`, 'utf8').digest('hex');
}

function firstNonEmpty(values: readonly string[]): string {
  return values.find((v) => v !== '') ?? '';
}

/** Every session row (list shape) starting in the plan's range, unpaged, unfiltered. */
export function referenceSessionRows(events: readonly RefEvent[], plan: SessionsPlan, timezone: string): SessionRow[] {
  const out: SessionRow[] = [];
  const range = sessionRange(plan.rules, timezone);
  for (const s of referenceSessionize(events, plan.rules, timezone)) {
    const startMs = (s.events[0] as RefEvent).timestampMs;
    if (range.fromMs !== null && startMs < range.fromMs) continue;
    if (range.toMs !== null && startMs >= range.toMs) continue;
    out.push(describe(s, plan, timezone));
  }
  return out;
}

function describe(s: RefSession, plan: SessionsPlan, timezone: string): SessionRow {
  const evs = s.events;
  const first = evs[0] as RefEvent;
  const last = evs[evs.length - 1] as RefEvent;
  const firstIntent = evs.findIndex((e) => plan.intentEvents.includes(e.event));
  const intent = firstIntent >= 0;
  const success = plan.successAfterIntent
    ? intent && evs.some((e, i) => i > firstIntent && plan.successEvents.includes(e.event))
    : evs.some((e) => plan.successEvents.includes(e.event));
  const durationMs = last.timestampMs - first.timestampMs;
  const pages = evs.map((e) => e.pagePath);
  return {
    sessionId: referenceSessionId(s.personId, first.eventId),
    personId: s.personId,
    day: localDate(first.timestampMs, timezone),
    start: new Date(first.timestampMs).toISOString(),
    end: new Date(last.timestampMs).toISOString(),
    durationMs,
    events: evs.length,
    entryEvent: first.event,
    exitEvent: last.event,
    entryPage: firstNonEmpty(pages),
    exitPage: firstNonEmpty([...pages].reverse()),
    channel: firstNonEmpty(evs.map((e) => e.channel)),
    device: firstNonEmpty(evs.map((e) => e.deviceType)),
    intent,
    success,
    bounce: evs.length === 1 || durationMs < (plan.bounceShorterThanMs ?? 0),
  };
}

function median(sorted: readonly number[]): number {
  const lo = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  const hi = sorted[Math.floor(sorted.length / 2)] as number;
  return (lo + hi) / 2;
}

export function referenceDaily(rows: readonly SessionRow[]): SessionDay[] {
  const byDay = new Map<string, SessionRow[]>();
  for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  return [...byDay.keys()].sort().map((day) => {
    const list = byDay.get(day) ?? [];
    const n = list.length;
    const durations = list.map((r) => r.durationMs).sort((a, b) => a - b);
    const count = (f: (r: SessionRow) => boolean): number => list.filter(f).length;
    const intentSessions = count((r) => r.intent);
    const intentSuccessSessions = count((r) => r.intent && r.success);
    return {
      day,
      sessions: n,
      persons: new Set(list.map((r) => r.personId)).size,
      avgDurationMs: durations.reduce((a, b) => a + b, 0) / n,
      medianDurationMs: median(durations),
      bounces: count((r) => r.bounce),
      bounceRate: count((r) => r.bounce) / n,
      intentSessions,
      successSessions: count((r) => r.success),
      intentSuccessSessions,
      intentToSuccessRate: intentSessions === 0 ? null : intentSuccessSessions / intentSessions,
    };
  });
}

export function referenceList(rows: readonly SessionRow[], plan: SessionsPlan): { sessions: SessionRow[]; total: number } {
  const l = plan.list;
  const matching = rows
    .filter((r) => (l.hasIntent === null || r.intent === l.hasIntent)
      && (l.hasSuccess === null || r.success === l.hasSuccess)
      && (l.device === null || r.device === l.device)
      && (l.channel === null || r.channel === l.channel)
      && (l.personId === null || r.personId === l.personId))
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
  const limit = l.limit ?? DEFAULT_LIST_LIMIT;
  return { sessions: matching.slice(l.offset, l.offset + limit), total: matching.length };
}

export function referenceSessionsResult(events: readonly RefEvent[], plan: SessionsPlan, timezone: string): SessionsResult {
  const rows = referenceSessionRows(events, plan, timezone);
  if (plan.view === 'daily') return { view: 'daily', days: referenceDaily(rows) };
  return { view: 'list', ...referenceList(rows, plan) };
}
