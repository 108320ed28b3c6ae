/** Engine vs reference on random logs and random paths definitions. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NewTestStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { pathsSource } from '../../../src/analyses/paths/paths-compiler.js';
import { runPaths } from '../../../src/analyses/paths/paths-runner.js';
import { pathsReference } from '../../../src/analyses/paths/reference.js';
import { pathsDefinitionSchema } from '../../../src/analyses/paths/definition.js';
import { EVENT_NAMES, insertCases, logCaseArb, rangeArb } from '../trends/random-log.js';
import { filtersArb } from '../trends/random-filters.js';

/** Paths property suite: runs on any store `newStore` opens (the *.chdb.test.ts beside it: the embedded engine). */
export function pathsPropertySuite(newStore: NewTestStore): void {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await newStore()));
  after(async () => dispose());
  test('paths: engine equals reference on random logs (sessions, equal timestamps, hostile names)', () => engineEqualsReference(store));
}

const caseArb = logCaseArb({ maxEvents: 50, spanDays: 3, nearDays: 0.25, persons: 5 }).chain((log) =>
  fc.record({
    log: fc.constant(log),
    definition: fc
      .record({
        startEvent: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('view', 'click') }, { weight: 1, arbitrary: fc.constantFrom(...EVENT_NAMES) }),
        direction: fc.constantFrom('next', 'previous'),
        steps: fc.integer({ min: 1, max: 5 }),
        sessionTimeout: fc.constantFrom('1m', '30m', '30m', '2h', '1d'),
        limit: fc.integer({ min: 1, max: 6 }),
        filters: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: filtersArb }),
      })
      .chain((d) => rangeArb(log.scenario, 3, { before: 0.5, after: 0, minDays: 0.5 }).map((r) => ({ ...d, ...r }))),
  }),
);

async function engineEqualsReference(store: Store): Promise<void> {
  // A fixed default seed keeps the coverage checks below deterministic; FC_SEED explores others.
  const seed = Number(process.env.FC_SEED ?? 20261123);
  const cases = fc.sample(caseArb, { numRuns: 80, seed });
  const logs = await insertCases(store, 'pa', cases.map((c) => c.log));
  let compared = 0;
  let branching = 0;
  let linked = 0;
  const sourceCounts = { timeline: 0, events: 0 };
  for (const [i, c] of cases.entries()) {
    const parsed = pathsDefinitionSchema.safeParse(c.definition);
    if (!parsed.success) continue;
    const ctx = { store, projectId: `pa${i}`, timezone: c.log.scenario.timeZone, now: () => 0 };
    const want = pathsReference(logs[i]!, parsed.data, ctx.timezone);
    // Both sources where the timeline carries what the filters read; the events table otherwise.
    const sources = pathsSource(parsed.data) === 'timeline' ? (['timeline', 'events'] as const) : (['events'] as const);
    let got = want;
    for (const source of sources) {
      got = await runPaths(ctx, parsed.data, { source });
      assert.deepEqual(got, want, `seed ${seed}, case ${i}, source ${source}: ${JSON.stringify({ tz: ctx.timezone, definition: parsed.data })}`);
    }
    sourceCounts[sources[0]]++;
    if (sources[0] === 'timeline' && c.log.aliases.some((a) => a.person_id !== '') && got.sessions > 0) linked++;
    compared++;
    if (got.paths.length >= 2 && got.sessions >= 3) branching++;
  }
  assert.ok(compared >= 50, `only ${compared} of ${cases.length} random definitions were valid`);
  assert.ok(branching >= 10, `only ${branching} cases had several distinct paths`);
  assert.ok(sourceCounts.timeline >= 20, `only ${sourceCounts.timeline} cases ran on the person timeline`);
  assert.ok(sourceCounts.events >= 5, `only ${sourceCounts.events} cases needed the events table`);
  // Identity links put persons in the timeline's overridden part: it must have run too.
  assert.ok(linked >= 5, `only ${linked} timeline cases had identity links`);
}
