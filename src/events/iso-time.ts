/**
 * Strict ISO-8601 parsing for Segment's `timestamp` / `sentAt` / `originalTimestamp`.
 * `Date.parse` is not used: it accepts strings like "1" (year 2001) and reads zone-less
 * date-times as local time, both of which would silently store wrong times.
 */

/**
 * Event times Clickpath stores: 1970-01-01 00:00:00.000 up to 2299-12-31 23:59:59.999 UTC.
 * DateTime64(3) holds 1900 onwards, but the per-person analyses hand times to windowFunnel and
 * sequenceMatch as epoch milliseconds in a UInt64, where a time before 1970 would wrap around.
 */
export const MIN_STORABLE_MS = Date.UTC(1970, 0, 1);
export const MAX_STORABLE_MS = Date.UTC(2300, 0, 1) - 1;
export const STORABLE_RANGE_TEXT = '1970-01-01T00:00:00Z..2299-12-31T23:59:59.999Z';

const ISO = new RegExp(
  '^(\\d{4})-(\\d{2})-(\\d{2})' +
    '(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?' +
    '(?:([Zz])|([+-])(\\d{2})(?::?(\\d{2}))?)?$',
);

/**
 * Epoch milliseconds of an ISO-8601 date or date-time, or undefined when the text is not one.
 * A zone-less value is UTC (servers send UTC; a device's local zone is unknowable here).
 * Fractions beyond milliseconds are truncated; a leap second `:60` is read as the next second.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const num = (i: number): number => Number(m[i] ?? '0');
  const [year, month, day, hour, minute, second] = [num(1), num(2), num(3), num(4), num(5), num(6)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = num(10);
    const om = num(11);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year);
  return d.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isStorable(ms: number): boolean {
  return ms >= MIN_STORABLE_MS && ms <= MAX_STORABLE_MS;
}
