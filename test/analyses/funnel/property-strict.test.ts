import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { funnelCase } from './arbitraries.js';
import { checkCase, sourceCounts } from './check-case.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const personsQuery = fc.option(fc.record({ step: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom('converted' as const, 'dropped' as const) }));

test('strict-order funnels: engine equals reference', async () => {
  await fc.assert(fc.asyncProperty(funnelCase(['strict']), personsQuery, (c, p) => checkCase(store, c, p)), { numRuns: 25 });
});

test('both per-person sources (person timeline, events table) were compared with the reference', () => {
  assert.ok(sourceCounts.timeline > 0, 'no case ran on the person timeline');
  assert.ok(sourceCounts.events > 0, 'no case needed the events table');
});
