import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { tempStore } from '../../helpers/temp-store.js';
import type { ChdbStore } from '../../../src/store/chdb-store.js';
import { funnelCase } from './arbitraries.js';
import { checkCase } from './check-case.js';

let store: ChdbStore;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const personsQuery = fc.option(fc.record({ step: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom('converted' as const, 'dropped' as const) }));

// A fixed default seed keeps CI deterministic; FC_SEED=<n> explores other cases. Seed 251882549
// found the known bug recorded below.
test('any-order funnels: engine equals reference', async () => {
  const seed = Number(process.env.FC_SEED ?? 20261123);
  await fc.assert(fc.asyncProperty(funnelCase(['any'], { maxSteps: 5 }), personsQuery, (c, p) => checkCase(store, c, p)), { numRuns: 15, seed });
});

// Known bug, kept visible as a todo until fixed: with equal timestamps, an any-order breakdown
// attributed to step 3 gets '' from the engine where the reference (and the documented rule:
// an event fills the lowest open step it matches) gives 'a'.
test('any-order breakdown attribution with equal timestamps (shrunk counterexample)', { todo: 'engine attributes "" instead of "a"' }, async () => {
  const t = 1704067200000;
  const p1 = Array.from({ length: 10 }, (_, i) => ({ person: 'p1', event: 'A', t, id: `0000000${i}-0000-4000-8000-00000000000${i}`.slice(0, 36) }));
  await checkCase(store, {
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
  } as Parameters<typeof checkCase>[1], null);
});
