/** Calendar dates in an IANA timezone, computed the way the engine's `toDate(t, tz)` does. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of the instant `ms` (epoch milliseconds) in `timezone`. */
export function localDate(ms: number, timezone: string): string {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timezone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The date `days` after (or before, if negative) a `YYYY-MM-DD` date. */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2024-01-02 03:04:05.678` (engine text, UTC) → `2024-01-02T03:04:05.678Z`. */
export function isoFromEngineTime(text: string): string {
  return `${text.replace(' ', 'T')}Z`;
}
