import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import { engagementAnalysis, runEngagement } from '../../../src/analyses/engagement/index.js';
import { engagementSource } from '../../../src/analyses/engagement/engagement-compiler.js';
import { toSqlTime } from '../../../src/events/event-row.js';
import type { RefEvent } from '../../../src/analyses/sessions/reference-sessionize.js';
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
    // No keys and no duration property: the person timeline serves the plan.
    keys: fc.oneof(fc.constant([]), fc.shuffledSubarray(KEYS, { maxLength: 3 })),
    // Identity links between the log's persons (indices), '' as a target = unlinked again.
    links: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 3 }),
    durationProperty: fc.option(fc.constantFrom('dur', 'missing'), { nil: undefined, freq: 2 }),
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

/**
 * Stores links between the log's persons and returns the events as the reference must see them:
 * each under the person its id resolves to (its latest link, one hop, as the engine resolves).
 */
async function linkPersons(store: Store, projectId: string, events: readonly RefEvent[], links: ReadonlyArray<[number, number, boolean]>): Promise<RefEvent[]> {
  const persons = [...new Set(events.map((e) => e.personId))];
  const rows = links
    .map(([from, to, unlink], i) => ({ project_id: projectId, distinct_id: persons[from % persons.length]!, person_id: unlink ? '' : persons[to % persons.length]!, updated_at: toSqlTime(Date.UTC(2024, 0, 1) + i * 1000) }))
    .filter((r) => r.distinct_id !== r.person_id);
  if (rows.length > 0) await store.insertJsonRows('person_aliases', rows.map((r) => JSON.stringify(r)).join('\n'));
  const latest = new Map(rows.map((r) => [r.distinct_id, r.person_id]));
  return events.map((e) => ({ ...e, personId: latest.get(e.personId) || e.personId }));
}

async function engineEqualsReference(store: Store): Promise<void> {
  const sourceCounts = { timeline: 0, events: 0, linkedOnTimeline: 0 };
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      project += 1;
      const projectId = `ep${project}`;
      await insertEvents(store, [{ projectId, events: c.events }]);
      const resolved = await linkPersons(store, projectId, c.events, c.links);
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
        const plan = planEngagement(def);
        const want = referenceEngagementResult(resolved, plan, c.timezone);
        // Both sources where the timeline carries what the plan reads; the events table otherwise.
        const sources = engagementSource(plan) === 'timeline' ? (['timeline', 'events'] as const) : (['events'] as const);
        for (const source of sources) assert.deepEqual(await runEngagement(ctx, def, { source }), want, `source ${source}`);
        sourceCounts[sources[0]]++;
        if (sources[0] === 'timeline' && resolved.some((e, i) => e.personId !== c.events[i]!.personId)) sourceCounts.linkedOnTimeline++;
      }
    }),
    { numRuns: 40 },
  );
  assert.ok(sourceCounts.timeline >= 10, `only ${sourceCounts.timeline} reports ran on the person timeline`);
  assert.ok(sourceCounts.events >= 10, `only ${sourceCounts.events} reports needed the events table`);
  // Identity links put persons in the timeline's overridden part: it must have run too.
  assert.ok(sourceCounts.linkedOnTimeline >= 3, `only ${sourceCounts.linkedOnTimeline} timeline reports had linked persons`);
}
