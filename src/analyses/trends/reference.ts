/**
 * Trends, computed the obvious way over an in-memory log. The property tests require the engine
 * to match this exactly, so this file is the definition of what trends mean:
 *
 * - An event counts when it is activity (track, page, screen), its timestamp is in [from, to), its name is one of `event` (any when
 *   omitted) and it passes every filter. Its bucket is its local hour/day/ISO week/month.
 * - count = events; persons = distinct persons; sum = total of the numeric values of the
 *   property (0 when none); avg = their mean (null when none). Non-numbers are ignored.
 * - Breakdown: the value of the property per event (null when not set). Values are ranked over the
 *   current range by events (count), distinct persons (persons) or property total (sum, avg);
 *   ties by value ascending in UTF-8 byte order, null first. The first `limit` values get their
 *   own series; every other event is aggregated into `Other` as if its values were one (persons
 *   there are distinct across all of them). `Other` appears when such events exist in either period.
 * - compare: the same range moved back by as many intervals as it has buckets, same series.
 */
import { isActivity } from '../shared/activity.js';
import { allFiltersMatch, filterValue } from '../shared/filters.js';
import { numericValue } from '../shared/numeric.js';
import type { RefEvent, RefLog } from '../shared/reference-log.js';
import { bucketKeyOf, previousRange } from '../shared/time-buckets.js';
import { resolveRange, type TimeRange } from '../shared/time-range.js';
import { compareUtf8 } from '../shared/utf8-order.js';
import type { TrendsDefinition, TrendsResult } from './definition.js';
import { addCell, buildPeriod, seriesSpecs, type Cells, type SeriesSpec } from './trends-shape.js';

function selected(log: RefLog, def: TrendsDefinition, range: TimeRange): RefEvent[] {
  const names = def.event === undefined ? undefined : typeof def.event === 'string' ? [def.event] : def.event;
  return log.events.filter(
    (e) =>
      isActivity(e) &&
      e.ms >= range.fromMs &&
      e.ms < range.toMs &&
      (names === undefined || names.includes(e.event)) &&
      allFiltersMatch(def.filters, e, log),
  );
}

function breakdownValue(def: TrendsDefinition, e: RefEvent, log: RefLog): string | null {
  const b = def.breakdown;
  if (!b) return null;
  return filterValue(b.source, b.property, e, log) ?? null;
}

function numbersOf(def: TrendsDefinition, events: readonly RefEvent[]): number[] {
  const m = def.measure;
  if (m.type !== 'sum' && m.type !== 'avg') return [];
  const out: number[] = [];
  for (const e of events) {
    const n = numericValue(e.properties.get(m.property));
    if (n !== undefined) out.push(n);
  }
  return out;
}

function total(numbers: readonly number[]): number {
  let s = 0;
  for (const n of numbers) s += n;
  return s;
}

function measure(def: TrendsDefinition, events: readonly RefEvent[]): number | null {
  switch (def.measure.type) {
    case 'count':
      return events.length;
    case 'persons':
      return new Set(events.map((e) => e.personId)).size;
    case 'sum':
      return total(numbersOf(def, events));
    case 'avg': {
      const ns = numbersOf(def, events);
      return ns.length === 0 ? null : total(ns) / ns.length;
    }
  }
}

function rankMetric(def: TrendsDefinition, events: readonly RefEvent[]): number {
  if (def.measure.type === 'sum' || def.measure.type === 'avg') return total(numbersOf(def, events));
  return measure(def, events) ?? 0;
}

function groupBy<K>(events: readonly RefEvent[], key: (e: RefEvent) => K): Map<K, RefEvent[]> {
  const out = new Map<K, RefEvent[]>();
  for (const e of events) {
    const k = key(e);
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}

function rankValues(def: TrendsDefinition, events: readonly RefEvent[], log: RefLog): Array<string | null> {
  const byValue = groupBy(events, (e) => breakdownValue(def, e, log));
  const ranked = [...byValue].map(([value, evs]) => ({ value, metric: rankMetric(def, evs) }));
  ranked.sort((a, b) => {
    if (a.metric !== b.metric) return b.metric - a.metric;
    if (a.value === null || b.value === null) return a.value === b.value ? 0 : a.value === null ? -1 : 1;
    return compareUtf8(a.value, b.value);
  });
  return ranked.slice(0, def.breakdown?.limit ?? 0).map((r) => r.value);
}

function cellsOf(
  def: TrendsDefinition,
  events: readonly RefEvent[],
  log: RefLog,
  top: ReadonlyArray<string | null>,
  timeZone: string,
): { cells: Cells; hasOther: boolean } {
  const seriesOf = (e: RefEvent): SeriesSpec => {
    if (!def.breakdown) return { kind: 'total', value: null };
    const v = breakdownValue(def, e, log);
    return top.includes(v) ? { kind: 'value', value: v } : { kind: 'other', value: null };
  };
  const cells: Cells = new Map();
  let hasOther = false;
  const groups = groupBy(events, (e) => JSON.stringify([seriesOf(e), bucketKeyOf(e.ms, def.interval, timeZone)]));
  for (const [key, evs] of groups) {
    const [series, bucket] = JSON.parse(key) as [SeriesSpec, number];
    if (series.kind === 'other') hasOther = true;
    addCell(cells, series, bucket, measure(def, evs));
  }
  return { cells, hasOther };
}

export function trendsReference(log: RefLog, def: TrendsDefinition, timeZone: string): TrendsResult {
  const range = resolveRange(def.from, def.to, timeZone);
  const events = selected(log, def, range);
  const top = def.breakdown ? rankValues(def, events, log) : [];
  const current = cellsOf(def, events, log, top, timeZone);
  const prevRange = def.compare ? previousRange(range, def.interval, timeZone) : undefined;
  const previous = prevRange ? cellsOf(def, selected(log, def, prevRange), log, top, timeZone) : undefined;
  const specs = seriesSpecs(def, top, current.hasOther || (previous?.hasOther ?? false));
  return {
    interval: def.interval,
    measure: def.measure,
    timezone: timeZone,
    current: buildPeriod(def, timeZone, range, specs, current.cells),
    ...(prevRange && previous ? { previous: buildPeriod(def, timeZone, prevRange, specs, previous.cells) } : {}),
  };
}
