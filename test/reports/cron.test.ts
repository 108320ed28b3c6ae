/**
 * Cron parsing and next-run times: hand-checked cases (steps, lists, names, macros, day-of-month
 * OR day-of-week, leap days, DST gaps and repeats), errors naming the field, and a property test
 * against a minute-by-minute scan of the wall clock in zones without DST changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CronError, cronProblem, nextRun, parseCron } from '../../src/reports/cron.js';
import { localParts } from '../../src/analyses/shared/zoned-time.js';

const next = (expr: string, after: string, tz = 'UTC'): string | null => {
  const ms = nextRun(parseCron(expr), Date.parse(after), tz);
  return ms === null ? null : new Date(ms).toISOString();
};

const sequence = (expr: string, after: string, n: number, tz = 'UTC'): string[] => {
  const out: string[] = [];
  let t = Date.parse(after);
  const s = parseCron(expr);
  for (let i = 0; i < n; i++) {
    const ms = nextRun(s, t, tz);
    if (ms === null) break;
    out.push(new Date(ms).toISOString());
    t = ms;
  }
  return out;
};

test('fields: steps, ranges, lists, names', () => {
  assert.deepEqual(sequence('0 */4 * * *', '2024-01-01T01:00:00Z', 3), ['2024-01-01T04:00:00.000Z', '2024-01-01T08:00:00.000Z', '2024-01-01T12:00:00.000Z']);
  assert.deepEqual(sequence('15,45 9-10 * * *', '2024-01-01T00:00:00Z', 5), [
    '2024-01-01T09:15:00.000Z', '2024-01-01T09:45:00.000Z', '2024-01-01T10:15:00.000Z', '2024-01-01T10:45:00.000Z', '2024-01-02T09:15:00.000Z',
  ]);
  assert.deepEqual(sequence('0 0 * * mon-fri', '2024-01-05T12:00:00Z', 2), ['2024-01-08T00:00:00.000Z', '2024-01-09T00:00:00.000Z']);
  assert.equal(next('0 0 1 jul *', '2024-01-01T00:00:00Z'), '2024-07-01T00:00:00.000Z');
  assert.equal(next('5/20 * * * *', '2024-01-01T00:06:00Z'), '2024-01-01T00:25:00.000Z');
  assert.equal(next('0 0 * * 7', '2024-01-01T00:00:00Z'), '2024-01-07T00:00:00.000Z'); // 7 = Sunday
  assert.equal(next('1-10/3 0 * * *', '2024-01-01T00:04:00Z'), '2024-01-01T00:07:00.000Z');
});

test('strictly after: a due minute is not returned again', () => {
  assert.equal(next('30 0 * * *', '2024-01-01T00:30:00Z'), '2024-01-02T00:30:00.000Z');
  assert.equal(next('* * * * *', '2024-01-01T00:30:00.001Z'), '2024-01-01T00:31:00.000Z');
});

test('macros', () => {
  assert.equal(next('@daily', '2024-01-01T10:00:00Z'), '2024-01-02T00:00:00.000Z');
  assert.equal(next('@hourly', '2024-01-01T10:00:00Z'), '2024-01-01T11:00:00.000Z');
  assert.equal(next('@weekly', '2024-01-01T10:00:00Z'), '2024-01-07T00:00:00.000Z');
  assert.equal(next('@monthly', '2024-01-15T10:00:00Z'), '2024-02-01T00:00:00.000Z');
  assert.equal(next('@yearly', '2024-01-15T10:00:00Z'), '2025-01-01T00:00:00.000Z');
});

test('day of month and day of week both restricted: either matches (Vixie cron)', () => {
  // The 13th, or any Friday: Jan 2024 Fridays are 5, 12, 19, 26.
  assert.deepEqual(sequence('0 0 13 * 5', '2024-01-01T00:00:00Z', 4).map((s) => s.slice(0, 10)), ['2024-01-05', '2024-01-12', '2024-01-13', '2024-01-19']);
  // One field restricted with a step on '*' still counts as restricted.
  assert.deepEqual(sequence('0 0 */10 * 1', '2024-01-01T00:00:00Z', 4).map((s) => s.slice(0, 10)), ['2024-01-08', '2024-01-11', '2024-01-15', '2024-01-21']);
});

test('leap days and impossible dates', () => {
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 31 2 *', '2024-01-01T00:00:00Z'), null);
  assert.equal(next('0 0 31 * *', '2024-04-01T00:00:00Z'), '2024-05-31T00:00:00.000Z');
});

test('time zones: wall clock of the zone, DST gap moved forward, repeated hour once', () => {
  assert.equal(next('30 0 * * *', '2024-06-01T00:00:00Z', 'Asia/Kolkata'), '2024-06-01T19:00:00.000Z');
  // New York, 2024-03-10: 02:00 → 03:00. 02:30 does not exist and fires at 03:30 EDT (07:30Z).
  assert.equal(next('30 2 * * *', '2024-03-10T05:00:00Z', 'America/New_York'), '2024-03-10T07:30:00.000Z');
  assert.equal(next('30 2 * * *', '2024-03-10T07:30:00Z', 'America/New_York'), '2024-03-11T06:30:00.000Z');
  // Hourly across the gap: 01:00 EST, then 03:00 EDT (02:00 moved forward to 03:00, once).
  assert.deepEqual(sequence('0 * * * *', '2024-03-10T05:30:00Z', 3, 'America/New_York'), ['2024-03-10T06:00:00.000Z', '2024-03-10T07:00:00.000Z', '2024-03-10T08:00:00.000Z']);
  // 2024-11-03: 01:00-01:59 happens twice; 01:30 fires once, at the first (EDT) occurrence.
  assert.deepEqual(sequence('30 1 * * *', '2024-11-03T04:00:00Z', 2, 'America/New_York'), ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']);
  // Asked during the second 01:xx hour, the first one is past: next day.
  assert.equal(next('30 1 * * *', '2024-11-03T06:10:00Z', 'America/New_York'), '2024-11-04T06:30:00.000Z');
  // A quarter-hour zone.
  assert.equal(next('0 0 * * *', '2024-12-31T00:00:00Z', 'Asia/Kathmandu'), '2024-12-31T18:15:00.000Z');
});

test('errors name the field and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['* * * *', /5 fields/],
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['* 24 * * *', /hour: 24/],
    ['* * 0 * *', /day of month: 0/],
    ['* * * 13 *', /month: 13/],
    ['* * * * 8', /day of week: 8/],
    ['*/0 * * * *', /step "0"/],
    ['5-1 * * * *', /runs backwards/],
    ['a * * * *', /minute: "a" is not a number/],
    ['* * * foo *', /month: "foo" is not a number or name/],
    ['1,,2 * * * *', /empty list item/],
    ['@often', /unknown macro/],
    ['1/2/3 * * * *', /more than one/],
  ];
  for (const [expr, re] of cases) {
    assert.throws(() => parseCron(expr), (err: unknown) => err instanceof CronError && re.test(err.message), expr);
    assert.match(cronProblem(expr) ?? '', re);
  }
  assert.equal(cronProblem('0 */4 * * *'), undefined);
});

// ---- property: against a scan of every minute, in zones with fixed offsets ----

const fieldArb = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((xs) => xs.join(',')),
  );

const cronArb = fc.tuple(fieldArb(0, 59), fieldArb(0, 23), fieldArb(1, 28), fieldArb(1, 12), fieldArb(0, 6)).map((f) => f.join(' '));

/** The zones below never change offset, so local time is UTC plus one constant. */
function bruteForce(expr: string, afterMs: number, tz: string, limitMinutes: number): number | null {
  const s = parseCron(expr);
  const p0 = localParts(afterMs, tz);
  const offset = Date.UTC(p0.year, p0.month - 1, p0.day, p0.hour, p0.minute, p0.second, p0.millisecond) - afterMs;
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < limitMinutes; i++, t += 60_000) {
    const d = new Date(t + offset);
    const [day, weekday] = [d.getUTCDate(), d.getUTCDay()];
    const dayOk = s.dayRestricted && s.weekdayRestricted
      ? s.days.has(day) || s.weekdays.has(weekday)
      : (!s.dayRestricted || s.days.has(day)) && (!s.weekdayRestricted || s.weekdays.has(weekday));
    if (s.minutes.has(d.getUTCMinutes()) && s.hours.has(d.getUTCHours()) && s.months.has(d.getUTCMonth() + 1) && dayOk) return t;
  }
  return null;
}

test('property: next run equals the first matching minute of a scan (fixed-offset zones)', () => {
  const LIMIT = 400 * 24 * 60;
  fc.assert(
    fc.property(
      cronArb,
      fc.integer({ min: Date.parse('2023-01-01T00:00:00Z'), max: Date.parse('2025-12-31T00:00:00Z') }),
      fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'Etc/GMT+5'),
      (expr, after, tz) => {
        const expected = bruteForce(expr, after, tz, LIMIT);
        const got = nextRun(parseCron(expr), after, tz);
        if (expected !== null) assert.equal(got, expected, `${expr} after ${new Date(after).toISOString()} in ${tz}`);
        else assert.ok(got === null || got - after > LIMIT * 60_000 - 120_000);
      },
    ),
    { numRuns: 100 },
  );
});
