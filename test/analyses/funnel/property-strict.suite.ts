import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { funnelCase } from './arbitraries.js';
import { checkCase, sourceCounts } from './check-case.js';

/** Strict-order funnel property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function strictFunnelSuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  test('strict-order funnels: engine equals reference', () => engineEqualsReference(store));
  test('both per-person sources (person timeline, events table) were compared with the reference', () => {
    assert.ok(sourceCounts.timeline > 0, 'no case ran on the person timeline');
    assert.ok(sourceCounts.events > 0, 'no case needed the events table');
  });
}

const personsQuery = fc.option(fc.record({ step: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom('converted' as const, 'dropped' as const) }));

async function engineEqualsReference(store: Store): Promise<void> {
  await fc.assert(fc.asyncProperty(funnelCase(['strict']), personsQuery, (c, p) => checkCase(store, c, p)), { numRuns: 25 });
}
