/**
 * Small funnels whose answers are worked out by hand in the comments. Each one runs on the engine
 * and on the reference implementation; both must give the hand-computed numbers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import type { FunnelDefinition } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { referenceFunnel } from '../../../src/analyses/funnel/reference.js';
import type { FunnelResult } from '../../../src/analyses/funnel/result.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import { personsAtStep } from '../../../src/analyses/funnel/persons.js';
import { funnelAnalysis } from '../../../src/analyses/funnel/index.js';
import { toSqlTime } from '../../../src/events/event-row.js';
import { MIN, T0, context, insertProjects, orderedId, referenceData, type EventSpec, type PersonPropSpec } from './helpers.js';

let store: Store;
let dispose: () => Promise<void>;
let project = 0;

before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

/** Runs on the engine, checks the reference agrees exactly, returns the engine's answer. */
async function funnel(definition: FunnelDefinition, events: EventSpec[], personProps: PersonPropSpec[] = [], timezone = 'UTC'): Promise<FunnelResult> {
  const id = `fixture-${project++}`;
  await insertProjects(store, [{ project: id, events, personProps }]);
  const ctx = context(store, id, timezone);
  const got = await runFunnel(ctx, definition);
  assert.deepEqual(got, referenceFunnel(planFunnel(definition, ctx), referenceData(events, personProps)));
  return got;
}

const persons = (r: FunnelResult): number[] => r.steps.map((s) => s.persons);
const ev = (person: string, event: string, t: number, extra: Partial<EventSpec> = {}): EventSpec => ({ person, event, t, ...extra });
const view3: FunnelDefinition = { steps: [{ event: 'view' }, { event: 'cart' }, { event: 'buy' }], window: '1h' };

// p1 view→cart 10m→buy 20m (step 3); p2 view→cart 5m (step 2); p3 view, buy without cart (step 1);
// p4 cart only (never enters); p5 view→cart 20m→buy 30m (step 3).
const basic = [
  ev('p1', 'view', T0), ev('p1', 'cart', T0 + 10 * MIN), ev('p1', 'buy', T0 + 30 * MIN),
  ev('p2', 'view', T0), ev('p2', 'cart', T0 + 5 * MIN),
  ev('p3', 'view', T0), ev('p3', 'buy', T0 + 5 * MIN),
  ev('p4', 'cart', T0),
  ev('p5', 'view', T0), ev('p5', 'cart', T0 + 20 * MIN), ev('p5', 'buy', T0 + 50 * MIN),
];

test('ordered: counts, conversion, drop-off and time to convert', async () => {
  const r = await funnel(view3, basic);
  assert.deepEqual(persons(r), [4, 3, 2]);
  assert.deepEqual(r.steps.map((s) => s.conversionFromPrevious), [null, 3 / 4, 2 / 3]);
  assert.deepEqual(r.steps.map((s) => s.conversionFromFirst), [1, 3 / 4, 2 / 4]);
  assert.deepEqual(r.steps.map((s) => s.dropOff), [null, 1, 1]);
  assert.deepEqual(r.steps.map((s) => s.dropOffRate), [null, 1 / 4, 1 / 3]);
  assert.equal(r.steps[0]?.timeToConvert, null);
  // view→cart: 10m, 5m, 20m. Mean 35m/3; nearest-rank median = 2nd of 3 = 10m; p90 = ceil(2.7) = 3rd = 20m.
  assert.deepEqual(r.steps[1]?.timeToConvert, { avgMs: (35 * MIN) / 3, medianMs: 10 * MIN, p90Ms: 20 * MIN });
  // cart→buy: 20m, 30m. Median = ceil(1) = 1st = 20m; p90 = ceil(1.8) = 2nd = 30m.
  assert.deepEqual(r.steps[2]?.timeToConvert, { avgMs: 25 * MIN, medianMs: 20 * MIN, p90Ms: 30 * MIN });
  assert.deepEqual(funnelAnalysis.toTable(r).rows[1], ['all', 2, 'cart', 3, '75.0%', '75.0%', 1, '25.0%', 700_000, 600_000, 1_200_000]);
});

test('the window edge is inclusive: exactly 10m converts, 10m + 1ms does not', async () => {
  const r = await funnel({ steps: [{ event: 'a' }, { event: 'b' }], window: '10m' }, [
    ev('p1', 'a', T0), ev('p1', 'b', T0 + 10 * MIN),
    ev('p2', 'a', T0), ev('p2', 'b', T0 + 10 * MIN + 1),
  ]);
  assert.deepEqual(persons(r), [2, 1]);
});

test('several attempts: the furthest wins, ties go to the latest start, timing comes from it', async () => {
  const r = await funnel({ steps: [{ event: 'a' }, { event: 'b' }], window: '1h' }, [
    // Attempts at 0 and 30m both reach b at 40m: the later one is reported, 10m.
    ev('p1', 'a', T0), ev('p1', 'a', T0 + 30 * MIN), ev('p1', 'b', T0 + 40 * MIN),
    // The attempt at 0 reaches b at 50m; the one at 55m only step 1: 50m.
    ev('p2', 'a', T0), ev('p2', 'b', T0 + 50 * MIN), ev('p2', 'a', T0 + 55 * MIN),
  ]);
  assert.deepEqual(persons(r), [2, 2]);
  assert.deepEqual(r.steps[1]?.timeToConvert, { avgMs: 30 * MIN, medianMs: 10 * MIN, p90Ms: 50 * MIN });
});

test('one event fills one step: repeated steps need repeated events', async () => {
  const r = await funnel({ steps: [{ event: 'a' }, { event: 'a' }, { event: ['a', 'b'] }], window: '1h' }, [
    ev('p1', 'a', T0), // step 1 only
    ev('p2', 'a', T0), ev('p2', 'a', T0 + MIN), // steps 1-2
    ev('p3', 'a', T0), ev('p3', 'a', T0 + MIN), ev('p3', 'b', T0 + 2 * MIN), // all three
  ]);
  assert.deepEqual(persons(r), [3, 2, 1]);
});

test('equal timestamps: an event matching an earlier step comes first, then event id order', async () => {
  const steps = [{ event: 'a' }, { event: 'b' }];
  const r = await funnel({ steps }, [
    ev('p1', 'b', T0, { id: orderedId(1) }), ev('p1', 'a', T0, { id: orderedId(2) }), // a is taken first whatever the ids
    ev('p2', 'a', T0, { id: orderedId(3) }), ev('p2', 'b', T0, { id: orderedId(4) }),
  ]);
  assert.deepEqual(persons(r), [2, 2]);
  assert.deepEqual(r.steps[1]?.timeToConvert, { avgMs: 0, medianMs: 0, p90Ms: 0 });
  // Two step-1 events in one millisecond: the one later in id order starts the reported attempt
  // (among equally far attempts the later wins), so it gives the breakdown value.
  const byId = await funnel({ steps, breakdown: { type: 'event', property: 'src' } }, [
    ev('p1', 'a', T0, { id: orderedId(5), props: { src: 'x' } }), ev('p1', 'a', T0, { id: orderedId(6), props: { src: 'y' } }), ev('p1', 'b', T0 + MIN, { id: orderedId(9) }),
    ev('p2', 'a', T0, { id: orderedId(8), props: { src: 'x' } }), ev('p2', 'a', T0, { id: orderedId(7), props: { src: 'y' } }), ev('p2', 'b', T0 + MIN, { id: orderedId(10) }),
  ]);
  assert.deepEqual(byId.breakdown?.rows.map((b) => [b.value, persons({ ...byId, steps: b.steps })]), [['x', [1, 1]], ['y', [1, 1]]]);
});

test('strict order: any other funnel-visible event in between breaks the sequence', async () => {
  const r = await funnel({ ...view3, order: 'strict' }, [
    ev('p1', 'view', T0), ev('p1', 'cart', T0 + MIN), ev('p1', 'buy', T0 + 2 * MIN), // 3
    ev('p2', 'view', T0), ev('p2', 'other', T0 + MIN), ev('p2', 'cart', T0 + 2 * MIN), ev('p2', 'buy', T0 + 3 * MIN), // 1
    ev('p3', 'view', T0), ev('p3', 'view', T0 + MIN), ev('p3', 'cart', T0 + 2 * MIN), ev('p3', 'buy', T0 + 3 * MIN), // 3 (second attempt)
    ev('p4', 'view', T0), ev('p4', 'cart', T0 + MIN), ev('p4', 'identify', T0 + 2 * MIN, { type: 'identify' }), ev('p4', 'buy', T0 + 3 * MIN), // 3: identify is not an action
    ev('p5', 'view', T0), ev('p5', 'cart', T0 + MIN), ev('p5', 'home', T0 + 2 * MIN, { type: 'page' }), ev('p5', 'buy', T0 + 3 * MIN), // 2: a page view is
  ]);
  assert.deepEqual(persons(r), [5, 4, 3]);
});

test('any order: steps in any order within the window of the first of them', async () => {
  const r = await funnel({ ...view3, order: 'any' }, [
    // Starts at buy (0): cart 10m, view 20m. Step 1 is done at 20m, so are steps 2 and 3: 0 ms each.
    ev('p1', 'buy', T0), ev('p1', 'cart', T0 + 10 * MIN), ev('p1', 'view', T0 + 20 * MIN),
    ev('p2', 'cart', T0), ev('p2', 'view', T0 + 5 * MIN), // steps 1-2
    ev('p3', 'buy', T0), // step 3 alone is no entry
    ev('p4', 'view', T0), ev('p4', 'buy', T0 + 61 * MIN), // buy is outside the hour: step 1
  ]);
  assert.deepEqual(persons(r), [3, 2, 1]);
  assert.deepEqual(r.steps[1]?.timeToConvert, { avgMs: 0, medianMs: 0, p90Ms: 0 });
});

test('exclusions between steps 2 and 3 end the attempt at the step it had reached', async () => {
  const r = await funnel({ ...view3, exclusions: [{ event: 'x', between: [2, 3] }] }, [
    ev('p1', 'view', T0), ev('p1', 'cart', T0 + MIN), ev('p1', 'x', T0 + 2 * MIN), ev('p1', 'buy', T0 + 3 * MIN), // 2
    ev('p2', 'view', T0), ev('p2', 'x', T0 + MIN), ev('p2', 'cart', T0 + 2 * MIN), ev('p2', 'buy', T0 + 3 * MIN), // 3: x before cart
    ev('p3', 'view', T0), ev('p3', 'cart', T0 + MIN), ev('p3', 'buy', T0 + 2 * MIN), ev('p3', 'x', T0 + 3 * MIN), // 3: x after buy
    ev('p4', 'view', T0), ev('p4', 'cart', T0 + MIN), ev('p4', 'x', T0 + 2 * MIN), ev('p4', 'cart', T0 + 3 * MIN), ev('p4', 'buy', T0 + 4 * MIN), // 2
    ev('p5', 'view', T0), ev('p5', 'cart', T0 + MIN), ev('p5', 'x', T0 + 2 * MIN), // a new attempt after the exclusion converts: 3
    ev('p5', 'view', T0 + 3 * MIN), ev('p5', 'cart', T0 + 4 * MIN), ev('p5', 'buy', T0 + 5 * MIN),
  ]);
  assert.deepEqual(persons(r), [5, 5, 3]);
});

test('breakdown: top N by persons entering, the rest as Other; attribution to a later step', async () => {
  const events = [
    ev('p1', 'a', T0, { props: { src: 'x' } }), ev('p1', 'b', T0 + MIN, { props: { src: 'q' } }),
    ev('p2', 'a', T0, { props: { src: 'x' } }),
    ev('p3', 'a', T0, { props: { src: 'y' } }), ev('p3', 'b', T0 + MIN, { props: { src: 'q' } }),
    ev('p4', 'a', T0, { props: { src: 'z' } }),
  ];
  const steps = [{ event: 'a' }, { event: 'b' }];
  // Step-1 values: x (p1, p2), y (p3), z (p4). Top 1 is x; y and z make Other (p3 converts).
  const r = await funnel({ steps, breakdown: { type: 'event', property: 'src', limit: 1 } }, events);
  assert.deepEqual(r.breakdown?.rows.map((b) => [b.value, persons({ ...r, steps: b.steps })]), [['x', [2, 1]], [null, [2, 1]]]);
  // Step-2 values: p1 and p3 have q; p2 and p4 never reach b, so ''. Tie at 2: '' sorts first.
  const r2 = await funnel({ steps, breakdown: { type: 'event', property: 'src', attributionStep: 2 } }, events);
  assert.deepEqual(r2.breakdown?.rows.map((b) => [b.value, persons({ ...r2, steps: b.steps })]), [['', [2, 0]], ['q', [2, 2]]]);
});

test('breakdown by person property and typed column; global and person filters', async () => {
  const events = [
    ev('p1', 'a', T0, { cols: { channel: 'search' } }), ev('p1', 'b', T0 + MIN, { cols: { channel: 'search' } }),
    ev('p2', 'a', T0, { cols: { channel: 'search' } }), ev('p2', 'b', T0 + MIN, { cols: { channel: 'ads' } }),
    ev('p3', 'a', T0, { cols: { channel: 'ads' } }), ev('p3', 'b', T0 + MIN, { cols: { channel: 'ads' } }),
  ];
  const props = [{ person: 'p1', key: 'tier', value: 'gold' }, { person: 'p3', key: 'tier', value: 'gold' }];
  const steps = [{ event: 'a' }, { event: 'b' }];
  const byTier = await funnel({ steps, breakdown: { type: 'person', property: 'tier' } }, events, props);
  assert.deepEqual(byTier.breakdown?.rows.map((b) => [b.value, persons({ ...byTier, steps: b.steps })]), [['gold', [2, 2]], ['', [1, 1]]]);
  // Only search events exist for the funnel: p2's b is on ads, p3 has nothing.
  const search = await funnel({ steps, filters: [{ property: 'channel', source: 'column', op: 'eq', value: 'search' }] }, events, props);
  assert.deepEqual(persons(search), [2, 1]);
  // Step 2 only for gold persons.
  const gold = await funnel({ steps: [{ event: 'a' }, { event: 'b', filters: [{ property: 'tier', source: 'person', op: 'eq', value: 'gold' }] }] }, events, props);
  assert.deepEqual(persons(gold), [3, 2]);
  const byChannel = await funnel({ steps, breakdown: { type: 'column', property: 'channel', attributionStep: 2 } }, events, props);
  assert.deepEqual(byChannel.breakdown?.rows.map((b) => [b.value, persons({ ...byChannel, steps: b.steps })]), [['ads', [2, 2]], ['search', [1, 1]]]);
});

test('trend by week and month, and date-only ranges, in the project time zone', async () => {
  const events = [
    ev('p1', 'a', Date.parse('2024-01-01T03:00:00Z')), ev('p1', 'b', Date.parse('2024-01-01T03:10:00Z')), // Sun 31 Dec 22:00 in New York
    ev('p2', 'a', Date.parse('2024-01-01T12:00:00Z')), // Mon 1 Jan
    ev('p3', 'a', Date.parse('2024-01-08T12:00:00Z')), // Mon 8 Jan
  ];
  const steps = [{ event: 'a' }, { event: 'b' }];
  const weeks = await funnel({ steps, trend: { interval: 'week' } }, events, [], 'America/New_York');
  assert.deepEqual(weeks.trend?.rows, [
    { period: '2023-12-25', entered: 1, converted: 1, conversionRate: 1 },
    { period: '2024-01-01', entered: 1, converted: 0, conversionRate: 0 },
    { period: '2024-01-08', entered: 1, converted: 0, conversionRate: 0 },
  ]);
  const months = await funnel({ steps, trend: { interval: 'month' } }, events, [], 'America/New_York');
  assert.deepEqual(months.trend?.rows.map((t) => [t.period, t.entered, t.converted]), [['2023-12-01', 1, 1], ['2024-01-01', 2, 0]]);
  // 1-7 January in New York: 05:00Z on the 1st to 05:00Z on the 8th. Only p2 starts inside.
  const range = await funnel({ steps, from: '2024-01-01', to: '2024-01-07' }, events, [], 'America/New_York');
  assert.deepEqual(persons(range), [1, 0]);
  assert.equal(range.from, '2024-01-01T05:00:00.000Z');
  assert.equal(range.to, '2024-01-08T05:00:00.000Z');
  // The range bounds step 1, not completion: b 10 minutes after a range that ends at 03:05Z still counts.
  const late = await funnel({ steps, from: '2024-01-01T02:00:00Z', to: '2024-01-01T03:05:00Z' }, events);
  assert.deepEqual(persons(late), [1, 1]);
});

test('identity merges apply: an anonymous step 1 and an identified step 2 are one person', async () => {
  const id = `fixture-${project++}`;
  const events = [ev('anon-1', 'a', T0), ev('user-1', 'b', T0 + MIN)];
  await insertProjects(store, [{ project: id, events }]);
  await store.insertJsonRows('person_aliases', JSON.stringify({ project_id: id, distinct_id: 'anon-1', person_id: 'user-1', updated_at: toSqlTime(T0) }));
  const r = await runFunnel(context(store, id), { steps: [{ event: 'a' }, { event: 'b' }] });
  assert.deepEqual(persons(r), [1, 1]);
});

test('persons at a step: converted and dropped, paged by person id, with their properties', async () => {
  const id = `fixture-${project++}`;
  await insertProjects(store, [{ project: id, events: basic, personProps: [{ person: 'p2', key: 'tier', value: 'gold' }, { person: 'p2', key: "we'ird", value: 'x\ny' }] }]);
  const ctx = context(store, id);
  // Reached cart: p1, p2, p5. Page of 2 from offset 1: p2, p5.
  const page = await personsAtStep(ctx, view3, { step: 2, status: 'converted', limit: 2, offset: 1 });
  assert.equal(page.total, 3);
  assert.deepEqual(page.persons.map((p) => [p.personId, p.reachedStep]), [['p2', 2], ['p5', 3]]);
  assert.deepEqual(page.persons[0]?.properties, { tier: 'gold', "we'ird": 'x\ny' });
  assert.equal(page.persons[0]?.enteredAt, new Date(T0).toISOString());
  // Dropped at cart: p3 (viewed, never carted). Dropped at buy: p2.
  assert.deepEqual((await personsAtStep(ctx, view3, { step: 2, status: 'dropped' })).persons.map((p) => p.personId), ['p3']);
  assert.deepEqual((await personsAtStep(ctx, view3, { step: 3, status: 'dropped' })).persons.map((p) => p.personId), ['p2']);
  // A page past the end still reports the total.
  assert.deepEqual(await personsAtStep(ctx, view3, { step: 1, status: 'converted', offset: 10 }), { persons: [], total: 4 });
  await assert.rejects(personsAtStep(ctx, view3, { step: 1, status: 'dropped' }), /step/);
});

test('an empty project gives zero counts and null rates', async () => {
  const r = await funnel(view3, []);
  assert.deepEqual(persons(r), [0, 0, 0]);
  assert.deepEqual(r.steps[1], { index: 2, label: 'cart', persons: 0, conversionFromPrevious: null, conversionFromFirst: null, dropOff: 0, dropOffRate: null, timeToConvert: null });
});
