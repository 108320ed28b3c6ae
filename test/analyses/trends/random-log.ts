/**
 * Random event logs for the engine-vs-reference property tests of trends, retention and paths:
 * timestamps on a coarse grid around DST changes and local midnights (so equal timestamps and
 * events across midnight are common), a few persons (some with one event), identity aliases,
 * person properties, and hostile names and values. One case = one project, so many cases share a
 * single insert.
 */
import fc from 'fast-check';
import type { EventRow } from '../../../src/events/event-row.js';
import { toSqlTime } from '../../../src/events/event-row.js';
import type { Store } from '../../../src/store/store.js';
import { buildRefLog, type AliasRow, type PersonPropertyRow, type RefLog } from '../../../src/analyses/shared/reference-log.js';
import { formatDate, localParts } from '../../../src/analyses/shared/zoned-time.js';

export interface Scenario {
  readonly timeZone: string;
  /** An instant worth testing around: a DST change, a month/year end. */
  readonly centerMs: number;
}

const at = (iso: string): number => Date.parse(iso);

export const SCENARIOS: readonly Scenario[] = [
  { timeZone: 'America/New_York', centerMs: at('2024-03-10T07:00:00Z') },
  { timeZone: 'America/New_York', centerMs: at('2024-11-03T06:00:00Z') },
  { timeZone: 'Europe/Berlin', centerMs: at('2024-03-31T01:00:00Z') },
  { timeZone: 'Europe/Berlin', centerMs: at('2024-10-27T01:00:00Z') },
  { timeZone: 'Australia/Sydney', centerMs: at('2024-04-06T16:00:00Z') },
  { timeZone: 'Asia/Kolkata', centerMs: at('2024-02-29T18:30:00Z') },
  { timeZone: 'Asia/Kathmandu', centerMs: at('2024-12-31T18:15:00Z') },
  { timeZone: 'UTC', centerMs: at('2024-12-31T00:00:00Z') },
];

export const EVENT_NAMES = ['view', 'click', 'buy', "it's", 'a"b', '😀', 'e\u0301', '\\'] as const;
export const PROPERTY_KEYS = ['plan', 'amount', "o'k", 'a.b', 'new\nline', '😀', '__proto__'] as const;
/** u1..u<n> plus three anonymous ids that aliases may merge into u1..u3. */
function personIds(n: number): string[] {
  return [...Array.from({ length: n }, (_, i) => `u${i + 1}`), 'anon-1', 'anon-2', 'anon-3'];
}

/** Numbers whose float sums are exact in any order, numbers that are not, and hostile text. */
export const VALUES = [
  '1', '2', '-3', '0.5', '0.25', '-0', '12.75', '1e1', '1E-2', '1e3', '100',
  ' 5', '0x10', '01', '+1', 'inf', 'nan', '1_000', '', '1e400', '.5',
  'pro', 'free', "o'neil", '\\', '"', 'ü', 'Ω', '😀', '\uE000', '\uFFFD', 'a\nb',
] as const;

const COLUMN_VALUES = ['', '', 'US', 'DE', 'é', '😀', "x'y"] as const;

export interface LogCase {
  readonly scenario: Scenario;
  readonly events: EventRow[];
  readonly aliases: AliasRow[];
  readonly personProperties: PersonPropertyRow[];
}

const HALF_HOUR = 1_800_000;

function timestampArb(centerMs: number, spanDays: number, nearDays: number): fc.Arbitrary<number> {
  const steps = spanDays * 48;
  const near = Math.round(nearDays * 48);
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: -near, max: near }) },
        { weight: 1, arbitrary: fc.integer({ min: -steps, max: steps }) },
      ),
      fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: HALF_HOUR - 1 }) }),
      fc.constantFrom(0, 0, 0, -1),
    )
    .map(([step, jitter, edge]) => centerMs + step * HALF_HOUR + jitter + edge);
}

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);

const propertiesArb = fc
  .array(fc.tuple(fc.constantFrom(...PROPERTY_KEYS), valueArb), { maxLength: 3 })
  .map((pairs) => Object.fromEntries(pairs));

function eventArb(centerMs: number, spanDays: number, nearDays: number, persons: readonly string[]): fc.Arbitrary<Omit<EventRow, 'project_id'>> {
  return fc
    .record({
      event_id: fc.uuid(),
      type: fc.constantFrom('track', 'track', 'track', 'track', 'page', 'screen', 'identify'),
      event: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('view', 'click', 'buy') },
        { weight: 1, arbitrary: fc.constantFrom(...EVENT_NAMES) },
      ),
      person_id: fc.constantFrom(...persons),
      ms: timestampArb(centerMs, spanDays, nearDays),
      properties: propertiesArb,
      country: fc.constantFrom(...COLUMN_VALUES),
      device_type: fc.constantFrom(...COLUMN_VALUES),
      page_path: fc.constantFrom(...COLUMN_VALUES),
    })
    .map((r) => ({
      event_id: r.event_id,
      type: r.type,
      event: r.event,
      person_id: r.person_id,
      anonymous_id: '',
      user_id: '',
      timestamp: toSqlTime(r.ms),
      received_at: toSqlTime(r.ms),
      sent_at: null,
      timestamp_clamped: false,
      page_url: '',
      page_path: r.page_path,
      page_referrer: '',
      page_title: '',
      device_type: r.device_type,
      os: '',
      browser: '',
      channel: '',
      utm_source: '',
      utm_medium: '',
      utm_campaign: '',
      country: r.country,
      locale: '',
      properties: r.properties,
      traits: {},
      context: '',
    }));
}

export interface LogOptions {
  readonly maxEvents?: number;
  /** Events fall within ± this many days of the scenario's instant ... */
  readonly spanDays?: number;
  /** ... three in four within ± this many. */
  readonly nearDays?: number;
  /** Known persons besides the three anonymous ids. */
  readonly persons?: number;
}

export function logCaseArb(options: LogOptions = {}): fc.Arbitrary<Omit<LogCase, 'events'> & { events: Array<Omit<EventRow, 'project_id'>> }> {
  const { maxEvents = 40, spanDays = 4, nearDays = 2, persons = 6 } = options;
  const ids = personIds(persons);
  return fc.constantFrom(...SCENARIOS).chain((scenario) =>
    fc.record({
      scenario: fc.constant(scenario),
      events: fc
        .array(eventArb(scenario.centerMs, spanDays, nearDays, ids), { minLength: 3, maxLength: maxEvents, size: 'max' })
        .map((evs) => evs.filter((e, i) => evs.findIndex((x) => x.event_id === e.event_id) === i)),
      aliases: fc
        .array(fc.tuple(fc.constantFrom('anon-1', 'anon-2', 'anon-3'), fc.constantFrom('u1', 'u2', 'u3', '')), { maxLength: 4 })
        .map((pairs) =>
          pairs.map(([distinct_id, person_id], i) => ({ distinct_id, person_id, updated_at: toSqlTime(Date.UTC(2024, 0, 1) + i * 1000) })),
        ),
      personProperties: fc
        .array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...PROPERTY_KEYS), valueArb), { maxLength: 8 })
        .map((triples) =>
          triples.map(([person_id, key, value], i) => ({ person_id, key, value, updated_at: toSqlTime(Date.UTC(2024, 0, 1) + i * 1000) })),
        ),
    }),
  );
}

/**
 * Rows grouped so no insert spans more than 90 UTC days: tables partitioned by day refuse inserts
 * touching more than 100 partitions.
 */
function byFewDays(rows: readonly string[]): string[][] {
  const byDay = new Map<string, string[]>();
  for (const r of rows) {
    const day = (JSON.parse(r) as { timestamp: string }).timestamp.slice(0, 10);
    const list = byDay.get(day);
    if (list) list.push(r);
    else byDay.set(day, [r]);
  }
  const days = [...byDay.values()];
  const chunks: string[][] = [];
  for (let i = 0; i < days.length; i += 90) chunks.push(days.slice(i, i + 90).flat());
  return chunks;
}

/** Inserts every case as its own project (`<prefix><index>`) with one insert per table. */
export async function insertCases(
  store: Store,
  prefix: string,
  cases: ReadonlyArray<{ events: ReadonlyArray<Omit<EventRow, 'project_id'>>; aliases: readonly AliasRow[]; personProperties: readonly PersonPropertyRow[] }>,
): Promise<RefLog[]> {
  const events: string[] = [];
  const aliases: string[] = [];
  const props: string[] = [];
  const logs: RefLog[] = [];
  cases.forEach((c, i) => {
    const project_id = `${prefix}${i}`;
    // Reverse order: insertion order must not matter.
    for (const e of [...c.events].reverse()) events.push(JSON.stringify({ ...e, project_id }));
    for (const a of c.aliases) aliases.push(JSON.stringify({ ...a, project_id }));
    for (const p of c.personProperties) props.push(JSON.stringify({ ...p, project_id }));
    logs.push(buildRefLog(c.events.map((e) => ({ ...e, project_id })), c.aliases, c.personProperties));
  });
  for (const chunk of byFewDays(events)) await store.insertJsonRows('events', chunk.join('\n'));
  if (aliases.length) await store.insertJsonRows('person_aliases', aliases.join('\n'));
  if (props.length) await store.insertJsonRows('person_properties', props.join('\n'));
  return logs;
}

/** A `from`/`to` text for an instant: local date, local date-time, or UTC with `Z`. */
export function timeText(ms: number, timeZone: string, form: 'date' | 'local' | 'utc'): string {
  if (form === 'utc') return new Date(ms).toISOString();
  const t = localParts(ms, timeZone);
  const date = formatDate(t.year, t.month, t.day);
  if (form === 'date') return date;
  return `${date}T${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

/**
 * A range near the scenario's instant: starting at most `before` days earlier (sometimes up to
 * `maxSpanDays`) and at most `after` days later, at least `minDays` long, in random text forms.
 */
export function rangeArb(
  scenario: Scenario,
  maxSpanDays: number,
  shape: { before?: number; after?: number; minDays?: number } = {},
): fc.Arbitrary<{ from: string; to: string }> {
  const before = shape.before ?? 2.5;
  const after = Math.round((shape.after ?? 0.5) * 48);
  const minLength = Math.max(1, Math.round((shape.minDays ?? 0) * 48));
  return fc
    .record({
      startHalfHours: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: -Math.round(before * 48), max: after }) },
        { weight: 1, arbitrary: fc.integer({ min: -maxSpanDays * 48, max: after }) },
      ),
      lengthHalfHours: fc.integer({ min: minLength, max: Math.max(minLength, maxSpanDays * 48) }),
      fromForm: fc.constantFrom('date', 'date', 'local', 'utc'),
      toForm: fc.constantFrom('date', 'date', 'local', 'utc'),
    })
    .map((r) => {
      const fromMs = scenario.centerMs + r.startHalfHours * HALF_HOUR;
      const toMs = fromMs + r.lengthHalfHours * HALF_HOUR;
      return {
        from: timeText(fromMs, scenario.timeZone, r.fromForm as 'date' | 'local' | 'utc'),
        to: timeText(toMs, scenario.timeZone, r.toForm as 'date' | 'local' | 'utc'),
      };
    });
}
