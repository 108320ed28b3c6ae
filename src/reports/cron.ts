/**
 * Five-field cron schedules (`minute hour day-of-month month day-of-week`) evaluated on the wall
 * clock of an IANA time zone, so "daily at 00:30" means 00:30 in the project's zone all year.
 *
 * Syntax: `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n` and `a/n`, lists `a,b-c`, month
 * names (jan..dec) and weekday names (sun..sat; 0 and 7 are both Sunday), and the macros
 * `@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`.
 * As in Vixie cron, when both day fields are restricted a day matches if either does.
 *
 * Daylight-saving changes: a wall time skipped by a spring-forward shift is moved forward by the
 * gap's length, as `localToUtc` does for definitions (02:30 on a New York spring-forward night
 * fires at 03:30 EDT), so a daily report still runs that day; a wall time repeated by a fall-back
 * shift fires once, at its first occurrence.
 */
import { dayNumber, daysInMonth, localParts, localToUtc } from '../analyses/shared/zoned-time.js';

export interface CronSchedule {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekdays: ReadonlySet<number>;
  readonly dayRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value the names start at (months are 1-based). */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

export class CronError extends Error {
  override readonly name = 'CronError';
}

function parseValue(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const named = spec.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d{1,2}$/.test(text)) throw new CronError(`${spec.name}: "${text}" is not a number${spec.names ? ' or name' : ''}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new CronError(`${spec.name}: ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** The values of one field, and whether it was anything but `*` (which matters for the day fields). */
function parseField(text: string, spec: FieldSpec): { values: Set<number>; restricted: boolean } {
  const values = new Set<number>();
  let restricted = false;
  for (const part of text.split(',')) {
    if (part === '') throw new CronError(`${spec.name}: empty list item in "${text}"`);
    const [rangeText = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`${spec.name}: "${part}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) throw new CronError(`${spec.name}: step "${stepText}" must be a positive number`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.max;
      if (stepText !== undefined) restricted = true;
    } else {
      restricted = true;
      const bounds = rangeText.split('-');
      if (bounds.length > 2 || bounds[0] === '') throw new CronError(`${spec.name}: "${rangeText}" is not a value or range`);
      lo = parseValue(bounds[0] ?? '', spec);
      // `a/n` means a, a+n, ... up to the field's maximum.
      hi = bounds[1] !== undefined ? parseValue(bounds[1], spec) : stepText !== undefined ? spec.max : lo;
      if (hi < lo) throw new CronError(`${spec.name}: range ${rangeText} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, restricted };
}

/** Parses a cron expression, or throws a CronError naming the field at fault. */
export function parseCron(expression: string): CronSchedule {
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  if (expanded.startsWith('@')) throw new CronError(`unknown macro "${source}"; known: ${Object.keys(MACROS).join(', ')}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(`a schedule has 5 fields (minute hour day-of-month month day-of-week), got ${parts.length} in "${source}"`);
  }
  const [mi, ho, dm, mo, dw] = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec)) as [
    ReturnType<typeof parseField>, ReturnType<typeof parseField>, ReturnType<typeof parseField>,
    ReturnType<typeof parseField>, ReturnType<typeof parseField>,
  ];
  const weekdays = new Set([...dw.values].map((d) => d % 7));
  return {
    source,
    minutes: mi.values,
    hours: ho.values,
    days: dm.values,
    months: mo.values,
    weekdays,
    dayRestricted: dm.restricted,
    weekdayRestricted: dw.restricted,
  };
}

/** Why an expression is not a schedule, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCron(expression);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const weekday = (((dayNumber(year, month, day) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const byDay = s.days.has(day);
  const byWeekday = s.weekdays.has(weekday);
  if (s.dayRestricted && s.weekdayRestricted) return byDay || byWeekday;
  if (s.dayRestricted) return byDay;
  if (s.weekdayRestricted) return byWeekday;
  return true;
}

const sorted = (set: ReadonlySet<number>): number[] => [...set].sort((a, b) => a - b);

/** More than any daylight-saving gap: an instant this far before `afterMs` cannot be moved past it. */
const SLACK_MS = 4 * 3_600_000;

/** Searching further than this finds nothing new (covers Feb 29 on a given weekday: 28 years). */
const MAX_YEARS = 30;

/**
 * The first instant strictly after `afterMs` at which the schedule fires in `timeZone`
 * (whole minutes), or null if it never does (e.g. `0 0 31 2 *`).
 */
export function nextRun(schedule: CronSchedule, afterMs: number, timeZone: string): number | null {
  const minutes = sorted(schedule.minutes);
  const hours = sorted(schedule.hours);
  const start = localParts(afterMs, timeZone);
  const lastYear = start.year + MAX_YEARS;
  // Walk wall-clock dates from the day before `afterMs`'s local date (a wall time moved forward
  // by a gap can land on the next date) and take the earliest instant after `afterMs`. Instants
  // follow wall order except around a gap, so a date's scan stops a few hours past its first hit,
  // and the date after the first hit is scanned too.
  let { year, month, day } = previousDate(start.year, start.month, start.day);
  let best: number | null = null;
  let datesAfterHit = 0;
  while (year <= lastYear) {
    if (!schedule.months.has(month)) {
      if (best !== null) return best;
      ({ year, month } = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 });
      day = 1;
      continue;
    }
    if (dayMatches(schedule, year, month, day)) {
      let hitHour: number | null = null;
      for (const hour of hours) {
        if (hitHour !== null && hour > hitHour + 3) break;
        // Hours that end well before `afterMs` need no minute-by-minute look.
        if (localToUtc({ year, month, day, hour, minute: 59, second: 0, millisecond: 0 }, timeZone) + SLACK_MS < afterMs) continue;
        for (const minute of minutes) {
          const ms = localToUtc({ year, month, day, hour, minute, second: 0, millisecond: 0 }, timeZone);
          if (ms <= afterMs) continue;
          if (best === null || ms < best) best = ms;
          if (hitHour === null) hitHour = hour;
        }
      }
    }
    if (best !== null && ++datesAfterHit > 1) return best;
    if (day < daysInMonth(year, month)) day += 1;
    else {
      ({ year, month } = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 });
      day = 1;
    }
  }
  return best;
}

function previousDate(year: number, month: number, day: number): { year: number; month: number; day: number } {
  if (day > 1) return { year, month, day: day - 1 };
  if (month > 1) return { year, month: month - 1, day: daysInMonth(year, month - 1) };
  return { year: year - 1, month: 12, day: 31 };
}
