/**
 * Adding the in-memory tail to what the store answered, without counting anything twice.
 *
 * The store holds every event below the tail's floor (the loader's position when the snapshot
 * was taken), and may already show a load the reader has not been told about. Loads become
 * visible in log order, per table, so for one matching set (a target, one piece of its window,
 * and possibly one value) the store holds exactly the matching events up to the largest position
 * `x` it reports, and none after. The tail is therefore counted from max(floor, x + 1).
 *
 * One case stays ambiguous: rows written directly into the events table (demo data, imports)
 * carry position 0, which is also the first record of a new log. While the floor is 0 and the
 * store reports x = 0, the reader cannot tell whether record 0 is loaded; it waits for the loader
 * and asks again (`ambiguous`).
 */
import type { TailEvent, TailSnapshot } from './tail-index.js';
import type { CountRow, LiveTarget, PersonsRow, TopRow } from './live-sql.js';
import { readIndexOf, type LevelRead, type TimeRange } from './live-window.js';
import { compareUtf8 } from '../analyses/shared/utf8-order.js';

/**
 * The property value an event of a family (an event name or every event, and a property or none)
 * counts under: `''` without a property, undefined when the event is not one of the family's.
 */
export function familyValue(family: { readonly event: string | null; readonly key: string | null }, e: TailEvent): string | undefined {
  if (family.event !== null && e.event !== family.event) return undefined;
  if (family.key === null) return '';
  return Object.hasOwn(e.properties, family.key) ? e.properties[family.key]! : undefined;
}

/** The value a tail event contributes under (`''` when not split by value), or undefined. */
export function tailValue(e: TailEvent, target: LiveTarget, values: ReadonlySet<string> | null): string | undefined {
  const v = familyValue(target, e);
  if (v === undefined) return undefined;
  if (target.key === null || values === null) return '';
  return values.has(v) ? v : undefined;
}

const inRange = (e: TailEvent, r: TimeRange): boolean => e.timestamp >= r.from && e.timestamp < r.to;

export interface Merged<T> {
  readonly value: T;
  readonly ambiguous: boolean;
}

export interface ValueCount {
  readonly value: string;
  readonly count: number;
}

/** Store rows of one target plus its tail: a count per value (`''` when not split by value). */
export function mergeCounts(
  target: LiveTarget,
  reads: readonly LevelRead[],
  rows: readonly CountRow[],
  tail: TailSnapshot,
): Merged<Map<string, number>> {
  const values = target.key !== null && target.values !== null ? new Set(target.values) : null;
  const counts = new Map<string, number>();
  const reached = new Map<string, number>();
  for (const r of rows) {
    counts.set(r.value, (counts.get(r.value) ?? 0) + r.c);
    reached.set(`${r.read}\u0000${r.value}`, r.x);
  }
  let ambiguous = false;
  for (const e of tail.events) {
    const v = tailValue(e, target, values);
    if (v === undefined) continue;
    const r = readIndexOf(reads, e.timestamp);
    if (r < 0) continue;
    const x = reached.get(`${r}\u0000${v}`) ?? -1;
    if (tail.floor === 0 && x === 0 && e.position === 0) ambiguous = true;
    if (e.position >= Math.max(tail.floor, x + 1)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { value: counts, ambiguous };
}

/** Distinct persons per value: the store's count plus tail persons it has not seen. */
export function mergePersons(
  target: LiveTarget,
  range: TimeRange,
  rows: readonly PersonsRow[],
  tail: TailSnapshot,
): Merged<Map<string, number>> {
  const values = target.key !== null && target.values !== null ? new Set(target.values) : null;
  const byValue = new Map(rows.map((r) => [r.value, { x: r.x, seen: new Set(r.seen) }]));
  const extra = new Map<string, Set<string>>();
  let ambiguous = false;
  for (const e of tail.events) {
    const v = tailValue(e, target, values);
    if (v === undefined || !inRange(e, range)) continue;
    const row = byValue.get(v);
    const x = row?.x ?? -1;
    if (tail.floor === 0 && x === 0 && e.position === 0) ambiguous = true;
    if (e.position < Math.max(tail.floor, x + 1) || row?.seen.has(e.personId)) continue;
    let set = extra.get(v);
    if (!set) extra.set(v, (set = new Set()));
    set.add(e.personId);
  }
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.value, r.persons);
  for (const [v, set] of extra) out.set(v, (out.get(v) ?? 0) + set.size);
  return { value: out, ambiguous };
}

/** Persons of the tail that could matter to a persons statement (its `candidates`). */
export function tailPersons(target: LiveTarget, range: TimeRange, tail: TailSnapshot): string[] {
  const values = target.key !== null && target.values !== null ? new Set(target.values) : null;
  const out = new Set<string>();
  for (const e of tail.events) if (inRange(e, range) && tailValue(e, target, values) !== undefined) out.add(e.personId);
  return [...out];
}

/** Values of the tail within the range: their rank may change, so the store reports them all. */
export function tailTopValues(target: { event: string | null; key: string }, range: TimeRange, tail: TailSnapshot): string[] {
  const t: LiveTarget = { event: target.event, key: target.key, values: null };
  const out = new Set<string>();
  for (const e of tail.events) {
    if (inRange(e, range) && tailValue(e, t, null) !== undefined) out.add(e.properties[target.key]!);
  }
  return [...out];
}

export interface RankedValue {
  readonly value: string;
  readonly count: number;
}

/** Count descending, then value ascending in the engine's byte order. */
export function compareRanked(a: RankedValue, b: RankedValue): number {
  return b.count - a.count || compareUtf8(a.value, b.value);
}

/** The final top list: store candidates plus the tail, re-ranked, zero counts left out. */
export function mergeTop(
  target: { event: string | null; key: string },
  reads: readonly LevelRead[],
  rows: readonly TopRow[],
  tail: TailSnapshot,
  limit: number,
): Merged<RankedValue[]> {
  const xs = rows[0]?.xs ?? reads.map(() => -1);
  const counts = new Map<string, number>(rows.map((r) => [r.value, r.c]));
  const t: LiveTarget = { event: target.event, key: target.key, values: null };
  let ambiguous = false;
  for (const e of tail.events) {
    if (tailValue(e, t, null) === undefined) continue;
    const r = readIndexOf(reads, e.timestamp);
    if (r < 0) continue;
    const x = xs[r] ?? -1;
    if (tail.floor === 0 && x === 0 && e.position === 0) ambiguous = true;
    if (e.position < Math.max(tail.floor, x + 1)) continue;
    const v = e.properties[target.key]!;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const ranked = [...counts].map(([value, count]) => ({ value, count })).filter((r) => r.count > 0);
  ranked.sort(compareRanked);
  return { value: ranked.slice(0, limit), ambiguous };
}
