/**
 * Calendar arithmetic in a project's IANA time zone, for date-only ranges and trend periods.
 * The engine does the same with toDate/toMonday/toStartOfMonth in that zone.
 */
// Wall-clock parts come from the analyses' shared zone helpers, so every analysis agrees on them.
import { localParts } from '../shared/zoned-time.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of the instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The first instant of a local calendar day (`YYYY-MM-DD`) in the zone. */
export function startOfLocalDay(date: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d);
  // UTC offsets lie within ±15 h, and the local date never decreases as time passes, so the
  // first instant whose local date is `date` can be found by bisection. This also covers days
  // whose midnight a DST change skips.
  let lo = wall - 15 * 3_600_000;
  let hi = wall + 15 * 3_600_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) >= date) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The local date following `date`. */
export function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Start (`YYYY-MM-DD`) of the day, ISO week (Monday) or month containing the instant, in the zone. */
export function periodStart(ms: number, timeZone: string, interval: 'day' | 'week' | 'month'): string {
  const date = localDate(ms, timeZone);
  if (interval === 'day') return date;
  if (interval === 'month') return `${date.slice(0, 8)}01`;
  const d = new Date(`${date}T00:00:00Z`);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - sinceMonday);
  return d.toISOString().slice(0, 10);
}
