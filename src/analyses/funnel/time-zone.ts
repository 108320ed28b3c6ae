/**
 * Trend periods in a project's IANA time zone, as the engine's toDate/toMonday/toStartOfMonth
 * find them. (`from`/`to` are read by shared/time-range.ts, like every analysis's.)
 */
// Wall-clock parts come from the analyses' shared zone helpers, so every analysis agrees on them.
import { localParts } from '../shared/zoned-time.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of the instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
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
