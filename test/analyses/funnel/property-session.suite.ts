/**
 * Counting by session: every order mode, with filters, exclusions, breakdowns, ranges, trends and
 * the list of units, engine equals reference on random logs cut by random session rules.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { funnelCase } from './arbitraries.js';
import { checkCase, sourceCounts } from './check-case.js';

/** Funnel-by-session property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function sessionFunnelSuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  for (const mode of ['ordered', 'strict', 'any'] as const) {
    test(`${mode} funnels by session: engine equals reference`, () => engineEqualsReference(store, mode));
  }
  test('both per-person sources (person timeline, events table) were compared with the reference', () => {
    assert.ok(sourceCounts.timeline > 0, 'no case ran on the person timeline');
    assert.ok(sourceCounts.events > 0, 'no case needed the events table');
  });
}

const unitsQuery = fc.option(fc.record({ step: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom('converted' as const, 'dropped' as const) }));

async function engineEqualsReference(store: Store, mode: 'ordered' | 'strict' | 'any'): Promise<void> {
  await fc.assert(fc.asyncProperty(funnelCase([mode], { unit: 'session' }), unitsQuery, (c, p) => checkCase(store, c, p)), {
    numRuns: 20,
    seed: Number(process.env.FC_SEED ?? 20261124),
  });
}
