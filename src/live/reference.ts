/**
 * The documented semantics of live counters and top lists as plain TypeScript over a list of
 * acknowledged events, written for obviousness, not speed. Tests compare the engine with it.
 *
 *  - An event counts once per (project, event id): a retried message is counted at its first
 *    acknowledgement only, as the loader stores it.
 *  - A window of W ending at `end` holds the events with end − W < timestamp ≤ end, by event time
 *    (a late event counts at its own timestamp, whenever it arrives).
 *  - A top list ranks values by count descending, then value ascending (UTF-8 byte order).
 */
import type { LiveTarget } from './live-sql.js';
import type { TimeRange } from './live-window.js';
import { compareRanked, type RankedValue } from './live-merge.js';

export interface ReferenceEvent {
  readonly projectId: string;
  readonly eventId: string;
  readonly event: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly personId: string;
  readonly properties: Readonly<Record<string, string>>;
}

/** The events the store ends up with: the first copy of each id, in acknowledgement order. */
export function firstCopies(events: readonly ReferenceEvent[]): ReferenceEvent[] {
  const seen = new Set<string>();
  const out: ReferenceEvent[] = [];
  for (const e of events) {
    const id = `${e.projectId}\u0000${e.eventId.toLowerCase()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

function matching(events: readonly ReferenceEvent[], projectId: string, target: LiveTarget, value: string | null, range: TimeRange): ReferenceEvent[] {
  return firstCopies(events).filter((e) => {
    if (e.projectId !== projectId) return false;
    if (e.timestamp < range.from || e.timestamp >= range.to) return false;
    if (target.event !== null && e.event !== target.event) return false;
    if (target.key === null) return true;
    if (!Object.hasOwn(e.properties, target.key)) return false;
    return value === null || e.properties[target.key] === value;
  });
}

export function referenceCount(events: readonly ReferenceEvent[], projectId: string, target: LiveTarget, value: string | null, range: TimeRange): number {
  return matching(events, projectId, target, value, range).length;
}

export function referencePersons(events: readonly ReferenceEvent[], projectId: string, target: LiveTarget, value: string | null, range: TimeRange): number {
  return new Set(matching(events, projectId, target, value, range).map((e) => e.personId)).size;
}

export function referenceTop(
  events: readonly ReferenceEvent[],
  projectId: string,
  target: { event: string | null; key: string },
  range: TimeRange,
  limit: number,
): RankedValue[] {
  const counts = new Map<string, number>();
  for (const e of matching(events, projectId, { ...target, values: null }, null, range)) {
    const v = e.properties[target.key]!;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count })).sort(compareRanked).slice(0, limit);
}
