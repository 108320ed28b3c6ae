import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import { engagementAnalysis } from '../../../src/analyses/engagement/index.js';
import { planEngagement } from '../../../src/analyses/engagement/definition.js';
import { referenceEngagementResult } from '../../../src/analyses/engagement/reference.js';
import { addDays } from '../../../src/analyses/sessions/local-date.js';
import type { Store } from '../../../src/store/store.js';
import { TIMEZONES, eventLog, hostile, range, timeoutMs } from '../sessions/arbitraries.js';
import { insertEvents } from '../sessions/events.js';

const NAMES = ['flyer_open', 'item_open', 'heartbeat', 'close', "it's", 'ü.x'];
const KEYS = ['merchant_id', 'flyer_id', "it's", 'dot.ted', '😀', '__proto__'];
const DURATIONS = ['', '0', '12', '12.5', '0.0001', '1e3', ' 5', '5\n', '007', '999999999999', '9999999999999', 'abc', '1.', '.5', '-3', '2.999'];

const properties = fc.record(
  {
    merchant_id: fc.constantFrom('m1', 'm2', ''),
    flyer_id: fc.oneof(fc.constantFrom('f1', 'f2'), hostile),
    "it's": hostile,
    'dot.ted': hostile,
    '😀': fc.constantFrom('x', 'y'),
    __proto__: fc.constantFrom('p', 'q'),
    dur: fc.constantFrom(...DURATIONS),
  },
  { requiredKeys: [] },
).map((p) => Object.fromEntries(Object.entries(p)));

let project = 0;

/** Engagement property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function engagementPropertySuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  test('engine matches the reference on random logs (all three reports)', () => engineEqualsReference(store));
}

const caseArb = timeoutMs.chain((timeout) =>
  fc.record({
    timezone: fc.constantFrom(...TIMEZONES),
    events: eventLog({ timeoutMs: timeout, eventNames: NAMES }, properties),
    split: fc.shuffledSubarray(NAMES, { minLength: 1 }).chain((content) =>
      fc.record({ content: fc.constant(content), heartbeats: fc.subarray(NAMES.filter((n) => !content.includes(n))) })),
    keys: fc.shuffledSubarray(KEYS, { maxLength: 3 }),
    durationProperty: fc.option(fc.constantFrom('dur', 'missing'), { nil: undefined }),
    durationUnit: fc.constantFrom('ms', 's'),
    rules: fc.record({
      timeout: fc.constant(timeout),
      maxLength: fc.oneof(fc.constant(timeout * 2), fc.constantFrom(3_600_000, 86_400_000), fc.integer({ min: 1, max: 2 * 86_400_000 })),
      splitAtMidnight: fc.boolean(),
      splitOnChannelChange: fc.boolean(),
    }),
    range,
  }),
);

async function engineEqualsReference(store: Store): Promise<void> {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      project += 1;
      const projectId = `ep${project}`;
      await insertEvents(store, [{ projectId, events: c.events }]);
      const ctx = { store, projectId, timezone: c.timezone, now: () => 0 };
      for (const report of ['daily', 'per_person_day', 'per_item_day'] as const) {
        const def = engagementAnalysis.schema.parse({
          ...c.rules,
          ...(c.range ? { from: c.range[0], to: addDays(c.range[0], c.range[1]) } : {}),
          contentEvents: c.split.content,
          heartbeatEvents: c.split.heartbeats,
          keys: c.keys,
          ...(c.durationProperty ? { durationProperty: c.durationProperty, durationUnit: c.durationUnit } : {}),
          report,
        });
        const got = await engagementAnalysis.run(ctx, def);
        assert.deepEqual(got, referenceEngagementResult(c.events, planEngagement(def), c.timezone));
      }
    }),
    { numRuns: 40 },
  );
}
