import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { referenceFunnel } from '../../../src/analyses/funnel/reference.js';
import { funnelCase, type Case } from './arbitraries.js';
import { checkCase, sourceCounts } from './check-case.js';
import { referenceData } from './helpers.js';

/** Any-order funnel property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function anyOrderFunnelSuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  test('any-order funnels: engine equals reference', () => engineEqualsReference(store));
  test('any-order breakdown attributed to a step filled after the attempt last got further (equal timestamps)', () => breakdownFilledAfterAttemptGotFurther(store));
  test('both per-person sources (person timeline, events table) were compared with the reference', () => {
    assert.ok(sourceCounts.timeline > 0, 'no case ran on the person timeline');
    assert.ok(sourceCounts.events > 0, 'no case needed the events table');
  });
}

const personsQuery = fc.option(fc.record({ step: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom('converted' as const, 'dropped' as const) }));

// A fixed default seed keeps CI deterministic; FC_SEED=<n> explores other cases. Seed 251882549
// found the bug pinned by the fixture below.
async function engineEqualsReference(store: Store): Promise<void> {
  const seed = Number(process.env.FC_SEED ?? 20261123);
  await fc.assert(fc.asyncProperty(funnelCase(['any'], { maxSteps: 5 }), personsQuery, (c, p) => checkCase(store, c, p)), { numRuns: 15, seed });
}

// Shrunk counterexample (seed 251882549). p2's C and A share a millisecond; by event id C comes
// first. The attempt started by C fills step 1 (C's lowest open step), then A fills step 3 (its
// lowest open step), so the attempt reaches step 1 only, yet step 3 was filled by A: a breakdown
// attributed to step 3 reads A's plan, 'a'. p1's A events never fill step 1 (no device_type).
// The engine used to keep the fills from when the attempt last got further, and gave ''.
async function breakdownFilledAfterAttemptGotFurther(store: Store): Promise<void> {
  const t = 1704067200000;
  const p1 = Array.from({ length: 10 }, (_, i) => ({ person: 'p1', event: 'A', t, id: `0000000${i}-0000-4000-8000-00000000000${i}`.slice(0, 36) }));
  const c: Case = {
    events: [
      ...p1.map((e) => ({ ...e, type: 'track' as const, props: {}, cols: { channel: '', device_type: '' } })),
      { person: 'p2', event: 'C', t, id: '0000000a-0000-4a00-80a0-a0a000a0aa0a', type: 'track', props: {}, cols: { channel: '', device_type: 'mobile' } },
      { person: 'p2', event: 'A', t, id: '0000000b-0000-4000-8a0a-aa00a000000a', type: 'track', props: { plan: 'a' }, cols: { channel: '', device_type: '' } },
    ],
    personProps: [],
    definition: {
      steps: [{ event: ['C', 'A'], filters: [{ property: 'device_type', source: 'column', op: 'is_set' }] }, { event: 'C' }, { event: 'A' }, { event: ['A'] }, { event: 'A' }],
      order: 'any',
      window: '1m',
      breakdown: { type: 'event', property: 'plan', attributionStep: 3, limit: 1 },
    },
    timezone: 'UTC',
  };
  const expected = referenceFunnel(planFunnel(c.definition, { timezone: 'UTC' }), referenceData(c.events, c.personProps));
  assert.deepEqual(
    expected.breakdown?.rows.map((r) => [r.value, r.steps.map((s) => s.persons)]),
    [['a', [1, 0, 0, 0, 0]]],
  );
  // Engine equals reference, on the result and on the persons list.
  await checkCase(store, c, { step: 1, status: 'converted' });
}
