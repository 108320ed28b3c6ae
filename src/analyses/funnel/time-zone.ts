/**
 * Calendar arithmetic in a project's IANA time zone, for date-only ranges and trend periods.
 * The engine does the same with toDate/toMonday/toStartOfMonth in that zone.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows the zone (a bad zone would otherwise fail deep inside a query). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts { y: number; mo: number; d: number; h: number; mi: number; s: number }

function localParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year ?? 0, mo: out.month ?? 1, d: out.day ?? 1, h: out.hour ?? 0, mi: out.minute ?? 0, s: out.second ?? 0 };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of the instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}`;
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
