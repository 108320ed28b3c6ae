/**
 * Paths, computed the obvious way over an in-memory log; the engine must match it exactly.
 *
 * - Activity (track, page, screen) counts when its timestamp is in [from, to) and they pass every filter (filtered-out
 *   events are invisible: they neither appear in paths nor keep a session alive).
 * - Each person's events in time order, equal timestamps by event id (UUID text), form sessions:
 *   a gap longer than `sessionTimeout` starts a new one.
 * - The first `startEvent` of each session starts one path: with `next` the up to `steps` events
 *   after it in the session, with `previous` the up to `steps` events before it, nearest first.
 *   A path with fewer events than `steps` ran into the session's end (start) and is `ended`.
 * - Top paths: count descending, then event by event in UTF-8 order, a shorter path before a
 *   longer one it begins.
 */
import { isActivity } from '../shared/activity.js';
import { durationMs } from '../shared/duration.js';
import { allFiltersMatch } from '../shared/filters.js';
import { chronological, type RefEvent, type RefLog } from '../shared/reference-log.js';
import { resolveRange } from '../shared/time-range.js';
import { compareUtf8Arrays } from '../shared/utf8-order.js';
import type { PathsDefinition, PathsResult } from './definition.js';
import { sankeyOf } from './paths-shape.js';

function sessionsOf(events: readonly RefEvent[], timeoutMs: number): RefEvent[][] {
  const sessions: RefEvent[][] = [];
  let current: RefEvent[] = [];
  for (const e of events) {
    const last = current[current.length - 1];
    if (last !== undefined && e.ms - last.ms > timeoutMs) {
      sessions.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length > 0) sessions.push(current);
  return sessions;
}

export function pathsReference(log: RefLog, def: PathsDefinition, timeZone: string): PathsResult {
  const range = resolveRange(def.from, def.to, timeZone);
  const events = log.events.filter(
    (e) => isActivity(e) && e.ms >= range.fromMs && e.ms < range.toMs && allFiltersMatch(def.filters, e, log),
  );
  const persons = new Set(events.map((e) => e.personId));

  const found: string[][] = [];
  for (const person of persons) {
    const own = chronological(events.filter((e) => e.personId === person));
    for (const session of sessionsOf(own, durationMs(def.sessionTimeout))) {
      const at = session.findIndex((e) => e.event === def.startEvent);
      if (at < 0) continue;
      const around = def.direction === 'next'
        ? session.slice(at + 1, at + 1 + def.steps)
        : session.slice(Math.max(0, at - def.steps), at).reverse();
      found.push([def.startEvent, ...around.map((e) => e.event)]);
    }
  }

  const counts = new Map<string, number>();
  for (const p of found) counts.set(JSON.stringify(p), (counts.get(JSON.stringify(p)) ?? 0) + 1);
  const distinct = [...counts].map(([key, count]) => ({ path: JSON.parse(key) as string[], count }));
  distinct.sort((a, b) => b.count - a.count || compareUtf8Arrays(a.path, b.path));

  const { nodes, links } = sankeyOf(found.map((path) => ({ path, count: 1 })), def.steps);
  return {
    startEvent: def.startEvent,
    direction: def.direction,
    steps: def.steps,
    sessions: found.length,
    nodes,
    links,
    paths: distinct.slice(0, def.limit).map((p) => ({ path: p.path, ended: p.path.length < def.steps + 1, count: p.count })),
  };
}
