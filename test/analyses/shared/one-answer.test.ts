/**
 * Issue 17's four wrong answers: two analyses (or an analysis and its reference) asked the same
 * question on the same data, on the engine, must give the same answer — and the answer the
 * written semantics (docs/definitions.md) gives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import type { FunnelFilter } from '../../../src/analyses/funnel/definition.js';
import { funnelDefinitionSchema, type FunnelDefinition } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { personsAtStep } from '../../../src/analyses/funnel/persons.js';
import { referenceFunnel } from '../../../src/analyses/funnel/reference.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import { trendsAnalysis } from '../../../src/analyses/trends/index.js';
import { context, insertProjects, referenceData, T0, MIN, type EventSpec, type PersonPropSpec } from '../funnel/helpers.js';

let store: Store;
let dispose: () => Promise<void>;

/** Every person does `a` then `b`; what differs is the `amount` property, the person's `tier` and the device. */
const AMOUNTS: ReadonlyArray<[person: string, amount: string | undefined]> = [
  ['p1', '01'],
  ['p2', 'x\ny'],
  ['p3', undefined],
  ['p4', ''],
  ['p5', '1e400'],
  ['p6', '2'],
  ['p7', '007.5'],
];
const EVENTS: EventSpec[] = AMOUNTS.flatMap(([person, amount], i) => [
  { person, event: 'a', t: T0 + i * MIN, props: amount === undefined ? {} : { amount }, cols: i % 2 === 0 ? { device_type: 'mobile' } : {} } as EventSpec,
  { person, event: 'b', t: T0 + i * MIN + 1 },
]);
const PERSON_PROPS: PersonPropSpec[] = [
  { person: 'p1', key: 'tier', value: '01' },
  { person: 'p2', key: 'tier', value: '' },
  { person: 'p3', key: 'tier', value: 'x\ny' },
];
const PROJECT = 'one-answer';

before(async () => {
  ({ store, dispose } = await tempStore());
  await insertProjects(store, [
    { project: PROJECT, events: EVENTS, personProps: PERSON_PROPS },
    {
      // u1's traits were stored under the anonymous id it later logged in from.
      project: 'linked',
      events: [
        { person: 'anon-1', event: 'a', t: T0 },
        { person: 'u1', event: 'b', t: T0 + MIN },
        { person: 'u2', event: 'a', t: T0 + 2 * MIN },
      ],
      personProps: [
        { person: 'anon-1', key: 'plan', value: 'pro' },
        { person: 'u2', key: 'plan', value: 'free' },
        { person: 'anon-2', key: 'country', value: 'DE' },
      ],
      aliases: [
        { distinct: 'anon-1', person: 'u1' },
        { distinct: 'anon-2', person: 'u2' },
      ],
    },
  ]);
});
after(async () => dispose());

const ctx = () => context(store, PROJECT);

/** Persons passing the filter at step 1 by the funnel (engine and reference) and by trends (engine). */
async function answers(filter: FunnelFilter): Promise<{ funnel: number; reference: number; trends: number }> {
  const def: FunnelDefinition = { steps: [{ event: 'a', filters: [filter] }, { event: 'b' }] };
  assert.ok(funnelDefinitionSchema.safeParse(def).success);
  const funnel = await runFunnel(ctx(), def);
  const reference = referenceFunnel(planFunnel(def, ctx()), referenceData(EVENTS, PERSON_PROPS));
  const trend = await trendsAnalysis.run(
    ctx(),
    trendsAnalysis.schema.parse({ event: 'a', measure: { type: 'persons' }, from: '2024-01-01', to: '2024-01-01', filters: [filter] }),
  );
  assert.deepEqual(funnel, reference, `funnel engine vs reference for ${JSON.stringify(filter)}`);
  return { funnel: funnel.steps[0]!.persons, reference: reference.steps[0]!.persons, trends: trend.current.series[0]!.values[0]! };
}

async function agree(filter: FunnelFilter, expected: number): Promise<void> {
  const got = await answers(filter);
  assert.deepEqual(got, { funnel: expected, reference: expected, trends: expected }, JSON.stringify(filter));
}

test('a: gt 0 on "01" — one numeric rule (leading zeros allowed, finite only) in the funnel and trends', async () => {
  // Numbers: p1 "01" = 1, p6 2, p7 "007.5" = 7.5; "1e400" is not finite, "", "x\ny" and a missing key are not numbers.
  await agree({ property: 'amount', op: 'gt', value: 0 }, 3);
  await agree({ property: 'amount', op: 'lte', value: 1 }, 1);
  await agree({ property: 'amount', op: 'gte', value: 7.5 }, 1);
  await agree({ property: 'amount', op: 'lt', value: 1e15 }, 3);
  await agree({ property: 'tier', source: 'person', op: 'gt', value: 0 }, 1);
});

test('b: eq "" on a missing key — a missing key equals nothing, and the negations pass it', async () => {
  await agree({ property: 'amount', op: 'eq', value: '' }, 1); // p4 only, not p3
  await agree({ property: 'amount', op: 'neq', value: '' }, 6);
  await agree({ property: 'amount', op: 'in', value: ['', '2'] }, 2);
  await agree({ property: 'amount', op: 'not_in', value: [''] }, 6);
  await agree({ property: 'amount', op: 'contains', value: '' }, 6);
  await agree({ property: 'amount', op: 'not_contains', value: '' }, 1);
  await agree({ property: 'amount', op: 'regex', value: '^$' }, 1);
  await agree({ property: 'amount', op: 'is_not_set' }, 1);
  // Person properties: p2's tier is "", p4..p7 have none.
  await agree({ property: 'tier', source: 'person', op: 'eq', value: '' }, 1);
  await agree({ property: 'tier', source: 'person', op: 'neq', value: '01' }, 6);
  // A typed column is set when not empty: device_type eq "" matches nobody; use is_not_set.
  await agree({ property: 'device_type', source: 'column', op: 'eq', value: '' }, 0);
  await agree({ property: 'device_type', source: 'column', op: 'is_not_set' }, 3);
  await agree({ property: 'device_type', source: 'column', op: 'neq', value: 'mobile' }, 3);
});

test('c: regex x.y on "x\\ny" — `.` matches a newline in the engine, so in every reference', async () => {
  await agree({ property: 'amount', op: 'regex', value: 'x.y' }, 1);
  await agree({ property: 'amount', op: 'regex', value: '^x.y$' }, 1);
  await agree({ property: 'tier', source: 'person', op: 'regex', value: 'x.y' }, 1);
  // `[^\n]` is how a pattern says "any character but a newline".
  await agree({ property: 'amount', op: 'regex', value: 'x[^\n]y' }, 0);
});

test('d: the persons list shows the properties a person breakdown reads, through linked ids', async () => {
  const linked = context(store, 'linked');
  const def: FunnelDefinition = { steps: [{ event: 'a' }, { event: 'b' }], breakdown: { type: 'person', property: 'plan' } };
  const funnel = await runFunnel(linked, def);
  const byValue = new Map((funnel.breakdown?.rows ?? []).map((row) => [row.value, row.steps[0]!.persons]));
  assert.deepEqual([...byValue].sort(), [['free', 1], ['pro', 1]]);
  const { persons } = await personsAtStep(linked, def, { step: 1, status: 'converted' });
  assert.deepEqual(
    persons.map((p) => [p.personId, p.properties]),
    [['u1', { plan: 'pro' }], ['u2', { country: 'DE', plan: 'free' }]],
  );
  // Each listed person's plan is the breakdown value the funnel attributed them to.
  for (const p of persons) {
    const rows = await personsAtStep(linked, def, { step: 1, status: 'converted', breakdownValue: p.properties.plan ?? '' });
    assert.ok(rows.persons.some((r) => r.personId === p.personId), p.personId);
  }
});
