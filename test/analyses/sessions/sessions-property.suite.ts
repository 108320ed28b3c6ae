import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import { runSessions, sessionsAnalysis } from '../../../src/analyses/sessions/index.js';
import { planSessions } from '../../../src/analyses/sessions/definition.js';
import type { SessionsDefinition } from '../../../src/analyses/sessions/definition.js';
import { referenceSessionsResult } from '../../../src/analyses/sessions/reference.js';
import { addDays } from '../../../src/analyses/sessions/local-date.js';
import type { Store } from '../../../src/store/store.js';
import { TIMEZONES, eventLog, range, timeoutMs } from './arbitraries.js';
import { insertEvents } from './events.js';

const NAMES = ['search', 'scooter_selected', 'ride_started', 'rating', "it's", 'ü.x'];

let project = 0;

/** Sessions property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function sessionsPropertySuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  test('engine matches the reference on random logs (daily and list views)', () => engineEqualsReference(store));
}

const names = fc.subarray(NAMES, { minLength: 1 });

const caseArb = timeoutMs.chain((timeout) =>
  fc.record({
    timezone: fc.constantFrom(...TIMEZONES),
    events: eventLog({ timeoutMs: timeout, eventNames: NAMES }),
    def: fc.record({
      timeout: fc.constant(timeout),
      maxLength: fc.oneof(fc.constant(timeout * 2), fc.constantFrom(3_600_000, 86_400_000), fc.integer({ min: 1, max: 2 * 86_400_000 })),
      splitAtMidnight: fc.boolean(),
      splitOnChannelChange: fc.boolean(),
      range,
      intent: fc.option(names, { nil: undefined }),
      success: fc.option(fc.record({ events: names, afterIntent: fc.boolean() }), { nil: undefined }),
      bounce: fc.option(fc.integer({ min: 0, max: 2 * timeout }), { nil: undefined }),
      list: fc.record({
        hasIntent: fc.option(fc.boolean(), { nil: undefined }),
        hasSuccess: fc.option(fc.boolean(), { nil: undefined }),
        device: fc.option(fc.constantFrom('', 'mobile', 'tablet'), { nil: undefined }),
        channel: fc.option(fc.constantFrom('', 'direct', "o'hara"), { nil: undefined }),
        limit: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        offset: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      }, { requiredKeys: [] }),
    }),
  }),
);

type RawDefinition = (typeof caseArb extends fc.Arbitrary<infer T> ? T : never)['def'];

function toDefinition(raw: RawDefinition & { view: 'daily' | 'list' }): SessionsDefinition {
  const { range: r, bounce, intent, success, ...rest } = raw;
  return sessionsAnalysis.schema.parse({
    ...rest,
    ...(r ? { from: r[0], to: addDays(r[0], r[1]) } : {}),
    ...(bounce !== undefined ? { bounce: { shorterThan: bounce } } : {}),
    ...(intent ? { intent: { events: intent } } : {}),
    ...(success ? { success: { events: success.events, afterIntent: success.afterIntent && intent !== undefined } } : {}),
  });
}

async function engineEqualsReference(store: Store): Promise<void> {
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ timezone, events, def: raw }) => {
      project += 1;
      const projectId = `sp${project}`;
      await insertEvents(store, [{ projectId, events }]);
      const ctx = { store, projectId, timezone, now: () => 0 };
      for (const view of ['daily', 'list'] as const) {
        const def = toDefinition({ ...raw, view });
        const want = referenceSessionsResult(events, planSessions(def), timezone);
        assert.deepEqual(await sessionsAnalysis.run(ctx, def), want, 'person timeline');
        assert.deepEqual(await runSessions(ctx, def, 'events'), want, 'events table');
      }
    }),
    { numRuns: 60 },
  );
}
