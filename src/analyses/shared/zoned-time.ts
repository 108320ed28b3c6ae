/**
 * Wall-clock arithmetic in an IANA time zone with nothing but `Intl`: the time-range parser,
 * bucket labels and every reference implementation go through these few functions.
 */

export interface LocalDateTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the zone (the same zone names the engine accepts). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at instant `ms`. */
export function localParts(ms: number, timeZone: string): LocalDateTime {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const p = parts.find((x) => x.type === type);
    if (!p) throw new Error(`Intl gave no ${type} for ${ms} in ${timeZone}`);
    return Number(p.value);
  };
  const era = parts.find((x) => x.type === 'era')?.value;
  const yearOfEra = get('year');
  return {
    year: era === 'BC' || era === 'B' ? 1 - yearOfEra : yearOfEra,
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

/** The wall clock as if it were UTC, in ms; differences of these are wall-clock differences. */
export function wallMs(t: LocalDateTime): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, t.millisecond);
  return d.getTime();
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (New York in winter: -5 h). */
export function offsetAt(ms: number, timeZone: string): number {
  return wallMs(localParts(ms, timeZone)) - ms;
}

/**
 * The instant a wall-clock time denotes in `timeZone`. Like Temporal's "compatible"
 * disambiguation: a time repeated by a backward shift takes the earlier instant, a time skipped
 * by a forward shift is moved forward by the length of the gap (02:30 on a spring-forward night
 * in New York is 03:30).
 */
export function localToUtc(t: LocalDateTime, timeZone: string): number {
  const wall = wallMs(t);
  const day = 86_400_000;
  const before = offsetAt(wall - day, timeZone);
  const after = offsetAt(wall + day, timeZone);
  const candidates = [wall - before, wall - after].filter((ms) => wallMs(localParts(ms, timeZone)) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(wallMs({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }) / 86_400_000);
}

/** The calendar date of a day number. */
export function dateOfDayNumber(n: number): { year: number; month: number; day: number } {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2024-03-10` */
export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month is the last day of this one
  return d.getUTCDate();
}
