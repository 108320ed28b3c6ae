/**
 * Random event logs and funnel definitions for the engine-versus-reference property tests.
 * Times sit on a coarse grid so equal timestamps, events exactly at the window edge and at the
 * date-range bounds are common; names, keys and values include hostile text.
 */
import fc from 'fast-check';
import type { FunnelDefinition, FunnelFilter, OrderMode } from '../../../src/analyses/funnel/definition.js';
import { DAY, MIN, T0, type AliasSpec, type EventSpec, type PersonPropSpec } from './helpers.js';

export const HOSTILE = ['', 'a', "o'hara", 'back\\slash', 'quote"d', 'new\nline', '😀', 'dot.ted', 'ü', '\u0000nul', "x'); DROP TABLE events; --"];
const NAMES = ['A', 'B', 'C', "x'); DROP", 'é😀'];
const name = fc.oneof({ arbitrary: fc.constantFrom('A', 'B', 'C'), weight: 5 }, { arbitrary: fc.constantFrom(...NAMES), weight: 1 });
/** Mostly absent: optional parts of a definition should not drown the funnel. */
const sometimes = <T>(a: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: a, weight });
const PROP_KEYS = ['plan', "we'ird.key"];
const PROP_VALUES = ['a', 'b', "o'hara", 'back\\slash', 'new\nline', '😀', '1.5', '10', '-2', '', 'ab'];
const PERSONS = ['p1', 'p2', 'p3', "o'neil", 'ü', '😀', 'back\\slash', 'p\nnewline'];

export interface Case {
  readonly events: EventSpec[];
  readonly personProps: PersonPropSpec[];
  /** Identity links; absent or empty in about half the cases, so both event sources run. */
  readonly aliases?: AliasSpec[];
  readonly definition: FunnelDefinition;
  readonly timezone: string;
}

/** Unique ids whose order (last 16 hex digits first) is random, so ties break unpredictably. */
const idTail = fc.stringMatching(/^[0-9a-f]{18}$/);

function events(days: number): fc.Arbitrary<EventSpec[]> {
  const one = fc.record({
    person: fc.oneof({ arbitrary: fc.constantFrom(...PERSONS.slice(0, 3)), weight: 3 }, { arbitrary: fc.constantFrom(...PERSONS), weight: 1 }),
    event: name,
    day: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: days - 1 }), weight: 1 }),
    minute: fc.integer({ min: 0, max: 10 }),
    type: fc.constantFrom('track', 'track', 'track', 'track', 'page', 'identify') as fc.Arbitrary<EventSpec['type'] & string>,
    props: fc.dictionary(fc.constantFrom(...PROP_KEYS), fc.constantFrom(...PROP_VALUES), { maxKeys: 2 }),
    channel: fc.constantFrom('', 'search', 'ads', "o'hara"),
    device: fc.constantFrom('', 'mobile', 'desktop'),
    tail: idTail,
  });
  return fc.array(one, { minLength: 12, maxLength: 50, size: 'max' }).map((list) =>
    list.map((e, i) => ({
      person: e.person,
      event: e.event,
      t: T0 + e.day * DAY + e.minute * MIN,
      id: `${i.toString(16).padStart(8, '0')}-0000-4${e.tail.slice(0, 3)}-8${e.tail.slice(3, 6)}-${e.tail.slice(6)}`,
      type: e.type,
      props: e.props,
      cols: { channel: e.channel, device_type: e.device },
    })),
  );
}

const personProps: fc.Arbitrary<PersonPropSpec[]> = fc
  .array(fc.record({ person: fc.constantFrom(...PERSONS), value: fc.constantFrom('gold', 'silver', "o'brien", '', '7') }), { maxLength: 6 })
  .map((list) => {
    const seen = new Set<string>();
    return list.filter((p) => !seen.has(p.person) && seen.add(p.person)).map((p) => ({ person: p.person, key: 'tier', value: p.value }));
  });

/**
 * Links from some persons' ids to another person (or a merged one never seen in events). A linked
 * id carries no person properties and is never itself a target, so the person each event and
 * property belongs to is unambiguous.
 */
function aliases(props: readonly PersonPropSpec[]): fc.Arbitrary<AliasSpec[]> {
  const withProps = new Set(props.map((p) => p.person));
  return fc
    .array(fc.record({ distinct: fc.constantFrom(...PERSONS), person: fc.constantFrom(...PERSONS, 'merged') }), { maxLength: 3 })
    .map((list) => {
      const out: AliasSpec[] = [];
      for (const a of list) {
        const clash = out.some((o) => o.distinct === a.distinct || o.distinct === a.person || o.person === a.distinct);
        if (a.distinct !== a.person && !withProps.has(a.distinct) && !clash) out.push(a);
      }
      return out;
    });
}

const regexes = ['^a', 'b$', '1|2', '\\.', '😀', "'", 'a.b', '^$'];

export const filter: fc.Arbitrary<FunnelFilter> = fc.oneof(
  fc.record({
    property: fc.constantFrom(...PROP_KEYS),
    op: fc.constantFrom('eq', 'neq', 'contains', 'not_contains') as fc.Arbitrary<'eq'>,
    value: fc.constantFrom(...PROP_VALUES),
  }),
  fc.record({ property: fc.constantFrom(...PROP_KEYS), op: fc.constant('regex' as const), value: fc.constantFrom(...regexes) }),
  fc.record({
    property: fc.constantFrom(...PROP_KEYS),
    op: fc.constantFrom('gt', 'gte', 'lt', 'lte') as fc.Arbitrary<'gt'>,
    value: fc.constantFrom(-2, 0, 1.5, 10),
  }),
  fc.record({ property: fc.constantFrom(...PROP_KEYS), op: fc.constantFrom('is_set', 'is_not_set') as fc.Arbitrary<'is_set'> }),
  fc.record({
    property: fc.constantFrom(...PROP_KEYS),
    op: fc.constantFrom('in', 'not_in') as fc.Arbitrary<'in'>,
    value: fc.uniqueArray(fc.constantFrom(...PROP_VALUES), { minLength: 1, maxLength: 3 }),
  }),
  fc
    .record({ property: fc.constantFrom('channel', 'device_type'), op: fc.constantFrom('eq', 'neq', 'is_set', 'in'), value: fc.constantFrom('search', 'mobile', '') })
    .map(({ property, op, value }): FunnelFilter => {
      if (op === 'is_set') return { property, source: 'column', op };
      if (op === 'in') return { property, source: 'column', op, value: [value, 'ads'] };
      return { property, source: 'column', op: op === 'eq' ? 'eq' : 'neq', value };
    }),
  fc
    .record({ op: fc.constantFrom('eq', 'neq', 'is_set', 'is_not_set'), value: fc.constantFrom('gold', "o'brien", '') })
    .map(({ op, value }): FunnelFilter => {
      if (op === 'is_set' || op === 'is_not_set') return { property: 'tier', source: 'person', op };
      return { property: 'tier', source: 'person', op: op === 'eq' ? 'eq' : 'neq', value };
    }),
);

const eventRef = fc.oneof({ arbitrary: name, weight: 3 }, { arbitrary: fc.uniqueArray(name, { minLength: 1, maxLength: 2 }), weight: 1 });
const filters = fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.array(filter, { minLength: 1, maxLength: 2 }), weight: 1 });

function definition(modes: readonly OrderMode[], maxSteps: number): fc.Arbitrary<FunnelDefinition> {
  return fc.integer({ min: 2, max: maxSteps }).chain((n) =>
    fc.record({
      steps: fc.array(fc.record({ event: eventRef, filters }), { minLength: n, maxLength: n }),
      order: fc.constantFrom(...modes),
      window: sometimes(fc.constantFrom('1m', '3m', '5m', '10m', '1h', '2d', { ms: 4 * MIN }), 4),
      from: sometimes(fc.constantFrom(new Date(T0 + 2 * MIN).toISOString(), new Date(T0 + DAY).toISOString(), '2024-01-01', '2024-01-02')),
      to: sometimes(fc.constantFrom(new Date(T0 + 10 * MIN).toISOString(), new Date(T0 + DAY + 5 * MIN).toISOString(), '2024-01-01', '2024-01-02')),
      exclusions: sometimes(
        fc.array(
          fc.record({
            event: eventRef,
            filters,
            between: fc.integer({ min: 1, max: n - 1 }).chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: a + 1, max: n }))),
          }),
          { minLength: 1, maxLength: 2 },
        ),
      ),
      breakdown: sometimes(
        fc.oneof(
          fc.record({ type: fc.constant('event' as const), property: fc.constantFrom(...PROP_KEYS), attributionStep: sometimes(fc.integer({ min: 1, max: n })), limit: fc.integer({ min: 1, max: 3 }) }),
          fc.record({ type: fc.constant('column' as const), property: fc.constantFrom('channel', 'device_type'), attributionStep: sometimes(fc.integer({ min: 1, max: n })), limit: fc.integer({ min: 1, max: 3 }) }),
          fc.record({ type: fc.constant('person' as const), property: fc.constant('tier'), limit: fc.integer({ min: 1, max: 3 }) }),
        ),
        2,
      ),
      filters: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.array(filter, { minLength: 1, maxLength: 1 }), weight: 1 }),
      trend: sometimes(fc.record({ interval: fc.constantFrom('day' as const, 'week' as const, 'month' as const) })),
    }),
  );
}

/** Counting by session, with timeouts and maximum lengths that cut the 10-minute event grid. */
const sessionUnit = fc.record({
  timeout: fc.constantFrom('1m', '2m', 3 * MIN, '5m'),
  maxLength: sometimes(fc.constantFrom('2m', '4m', '1h')),
  splitAtMidnight: sometimes(fc.boolean()),
});

/** A case; `days` spreads events over that many days (trend periods, date-only bounds). */
export function funnelCase(modes: readonly OrderMode[], opts: { maxSteps?: number; days?: number; unit?: 'session' } = {}): fc.Arbitrary<Case> {
  return personProps.chain((props) =>
    fc.record({
      events: events(opts.days ?? 3),
      personProps: fc.constant(props),
      aliases: fc.oneof(fc.constant<AliasSpec[]>([]), aliases(props)),
      definition: opts.unit === 'session'
        ? fc.tuple(definition(modes, opts.maxSteps ?? 4), sessionUnit).map(([d, session]): FunnelDefinition => ({ ...d, unit: 'session', session }))
        : definition(modes, opts.maxSteps ?? 4),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
    }),
  );
}
