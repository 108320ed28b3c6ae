/**
 * Sliding windows and how a window is cut into pieces the pre-aggregated tables can answer.
 *
 * A window of length W ending at `end` (epoch ms) holds the events whose timestamp t satisfies
 * end − W < t ≤ end: exactly W milliseconds, the newest one included. Internally every range is
 * half-open in whole milliseconds, [from, to) = [end − W + 1, end + 1).
 *
 * Whole hours inside the range are read from hourly buckets, whole minutes around them from
 * minute buckets, and the two ragged ends (less than a minute each) from per-event rows, so the
 * answer is exact to the millisecond while the bulk of the work reads a few bucket rows.
 */
import { DURATION_SPELLINGS, parseDuration } from '../analyses/shared/duration.js';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const MIN_WINDOW_MS = MINUTE_MS;
export const MAX_WINDOW_MS = 7 * DAY_MS;

/**
 * `90s`, `15m`, `1h30m`, `4h`, `7d` → milliseconds, or an error message. The grammar is the
 * analyses' one (analyses/shared/duration.ts); surrounding spaces are ignored, as they always were here.
 */
export function parseWindow(text: string): { ok: true; ms: number } | { ok: false; error: string } {
  const ms = parseDuration(text.trim());
  if (ms === undefined) return { ok: false, error: `window "${text}" is not a duration: expected ${DURATION_SPELLINGS}` };
  if (ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS) {
    return { ok: false, error: `window "${text}" must be between 1m and 7d` };
  }
  return { ok: true, ms };
}

/** Half-open millisecond range [from, to). */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** The range of the window of `windowMs` ending at `end` (inclusive). */
export function windowRange(end: number, windowMs: number): TimeRange {
  return { from: end - windowMs + 1, to: end + 1 };
}

/** Bucket granularity of a table family, finest first. */
export type Level = 'points' | 'minutes' | 'hours';

const LEVEL_MS: Record<Level, number> = { points: 1, minutes: MINUTE_MS, hours: HOUR_MS };

export interface WindowPart extends TimeRange {
  readonly level: Level;
}

/**
 * Tiles [from, to) with the coarsest buckets that fit entirely inside it. `levels` lists the
 * available granularities; 'points' must be among them so every millisecond can be covered.
 * The parts are disjoint, in time order, and their union is exactly [from, to).
 */
export function splitRange(range: TimeRange, levels: readonly Level[]): WindowPart[] {
  if (!levels.includes('points')) throw new Error('splitRange needs the points level to cover ragged ends');
  const sorted = [...new Set(levels)].sort((a, b) => LEVEL_MS[a] - LEVEL_MS[b]);
  const out: WindowPart[] = [];
  const visit = (from: number, to: number, upto: number): void => {
    if (from >= to) return;
    const level = sorted[upto]!;
    const size = LEVEL_MS[level];
    if (size === 1) {
      out.push({ level, from, to });
      return;
    }
    const a = Math.ceil(from / size) * size;
    const b = Math.floor(to / size) * size;
    if (a >= b) {
      visit(from, to, upto - 1);
      return;
    }
    visit(from, a, upto - 1);
    out.push({ level, from: a, to: b });
    visit(b, to, upto - 1);
  };
  visit(range.from, range.to, sorted.length - 1);
  return out;
}

/** The pieces of one level, read together in one engine read (a read has a fixed cost). */
export interface LevelRead {
  readonly level: Level;
  readonly ranges: readonly TimeRange[];
}

/** Groups a split window by level, finest first. */
export function readsOf(parts: readonly WindowPart[]): LevelRead[] {
  const out: LevelRead[] = [];
  for (const level of ['points', 'minutes', 'hours'] as const) {
    const ranges = parts.filter((p) => p.level === level).map(({ from, to }) => ({ from, to }));
    if (ranges.length > 0) out.push({ level, ranges });
  }
  return out;
}

/** Index of the read whose ranges hold `t`, or −1. */
export function readIndexOf(reads: readonly LevelRead[], t: number): number {
  return reads.findIndex((read) => read.ranges.some((r) => t >= r.from && t < r.to));
}
