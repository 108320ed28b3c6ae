/**
 * The property both materialization property tests check. The incremental materialization is exact: after any random sequence of inserts (recent events,
 * late events with old timestamps, re-imports of the same ids, logins that link an anonymous id
 * to a user) and incremental runs, a report's rows equal
 *  (a) a full recomputation: a new report with the same definition, materialized from scratch;
 *  (b) where the per-bucket and whole-range semantics coincide (trends, sessions per day), one
 *      run of the analysis over the whole range of the data.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Store } from '../../src/store/store.js';
import { bucketKeyOf } from '../../src/analyses/shared/time-buckets.js';
import type { Interval } from '../../src/analyses/shared/time-buckets.js';
import { bucketRange } from '../../src/reports/report-plan.js';
import { localParts, localToUtc } from '../../src/analyses/shared/zoned-time.js';
import { ALL_ANALYSES } from '../../src/analyses/all.js';
import { DAY, HOUR, insertEvents, uuid, type ReportsSetup, type TestEvent } from './helpers.js';

export interface Kind {
  readonly analysis: string;
  readonly definition: Record<string, unknown>;
  /** Interval of the whole-range comparison; null = per-bucket semantics differ (funnel trend). */
  readonly whole: Interval | null;
  /** Spread of event times around the center, and how far back late events go (ms). */
  readonly spreadMs: number;
  readonly lateMs: readonly [number, number];
  /** Fewer persons make sessions that late events extend across midnight more likely. */
  readonly persons?: readonly string[];
}

export const KINDS: Readonly<Record<string, Kind>> = {
  trendsDay: { analysis: 'trends', definition: { interval: 'day' }, whole: 'day', spreadMs: 2 * DAY, lateMs: [3 * DAY, 9 * DAY] },
  trendsPersons: { analysis: 'trends', definition: { interval: 'day', measure: { type: 'persons' }, event: ['view', 'buy'] }, whole: 'day', spreadMs: 2 * DAY, lateMs: [3 * DAY, 6 * DAY] },
  trendsHour: { analysis: 'trends', definition: { interval: 'hour', event: 'view' }, whole: 'hour', spreadMs: 10 * HOUR, lateMs: [11 * HOUR, 20 * HOUR] },
  trendsWeek: { analysis: 'trends', definition: { interval: 'week' }, whole: 'week', spreadMs: 8 * DAY, lateMs: [10 * DAY, 30 * DAY] },
  sessionsGoals: { analysis: 'sessions', definition: { intent: { events: ['view'] }, success: { events: ['buy'] } }, whole: 'day', spreadMs: 2 * DAY, lateMs: [3 * DAY, 6 * DAY], persons: ['u1', 'anon-1'] },
  sessionsLong: { analysis: 'sessions', definition: { timeout: '2h', maxLength: '30h' }, whole: 'day', spreadMs: 2 * DAY, lateMs: [3 * DAY, 5 * DAY], persons: ['u1', 'u2', 'anon-1'] },
  funnelTrend: { analysis: 'funnel', definition: { steps: [{ event: 'view' }, { event: 'buy' }], window: '6h', trend: { interval: 'day' } }, whole: null, spreadMs: 2 * DAY, lateMs: [3 * DAY, 5 * DAY] },
};

const ZONES = [
  { tz: 'UTC', center: Date.parse('2024-12-31T12:00:00Z') },
  { tz: 'Europe/Berlin', center: Date.parse('2024-03-31T01:00:00Z') },
  { tz: 'America/New_York', center: Date.parse('2024-11-03T06:00:00Z') },
  { tz: 'Asia/Kolkata', center: Date.parse('2024-02-29T18:30:00Z') },
];

const PERSONS = ['u1', 'u2', 'u3', 'anon-1', 'anon-2'];
const EVENTS = ['view', 'buy', 'other'];

type Step =
  | { kind: 'recent' | 'late'; events: Array<{ person: string; event: string; offset: number }>; run: boolean }
  | { kind: 'reimport'; pick: number[]; run: boolean }
  | { kind: 'login'; anon: string; user: string; offset: number; merge: boolean; run: boolean }
  // Background merges at a chosen moment: ReplacingMergeTree tables then keep only the latest
  // row per key (a distinct id's older links are gone from person_aliases).
  | { kind: 'merge'; run: boolean };

const QUARTER = 15 * 60_000;

/** Offsets from the center of the local midnights around it: sessions crossing them matter. */
function midnights(zone: (typeof ZONES)[number], spreadMs: number): number[] {
  const out: number[] = [];
  for (let d = -Math.ceil(spreadMs / DAY) - 1; d <= Math.ceil(spreadMs / DAY) + 1; d++) {
    const p = localParts(zone.center + d * DAY, zone.tz);
    const ms = localToUtc({ year: p.year, month: p.month, day: p.day, hour: 0, minute: 0, second: 0, millisecond: 0 }, zone.tz) - zone.center;
    if (Math.abs(ms) <= spreadMs) out.push(ms);
  }
  return out;
}

function stepArb(kind: Kind, zone: (typeof ZONES)[number]): fc.Arbitrary<Step> {
  const spreadSteps = Math.round(kind.spreadMs / QUARTER);
  const grid = fc.tuple(fc.integer({ min: -spreadSteps, max: spreadSteps }), fc.constantFrom(0, 0, 1, 59_999))
    .map(([q, j]) => q * QUARTER + j);
  const anchors = midnights(zone, kind.spreadMs);
  // Most events within 40 minutes of one of the two local midnights nearest the center, in
  // 5-minute steps: sessions (30-minute timeout) crossing midnight across runs are common.
  const nearest = [...anchors].sort((a, b) => Math.abs(a) - Math.abs(b)).slice(0, 2);
  const offset = nearest.length === 0 ? grid : fc.oneof(
    { weight: 1, arbitrary: grid },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...nearest), fc.integer({ min: -8, max: 8 })).map(([m, k]) => m + k * 300_000) },
  );
  const late = fc.integer({ min: kind.lateMs[0], max: kind.lateMs[1] }).map((ms) => -ms);
  const ev = (off: fc.Arbitrary<number>) =>
    fc.record({ person: fc.constantFrom(...(kind.persons ?? PERSONS)), event: fc.constantFrom(...EVENTS), offset: off });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('recent' as const), events: fc.array(ev(offset), { minLength: 1, maxLength: 2 }), run: fc.constantFrom(true, true, false) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('late' as const), events: fc.array(ev(late), { minLength: 1, maxLength: 3 }), run: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reimport' as const), pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), run: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('login' as const), anon: fc.constantFrom('anon-1', 'anon-2'), user: fc.constantFrom('u1', 'u2'), offset, merge: fc.boolean(), run: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), run: fc.boolean() }) },
  );
}

const MERGED_TABLES = ['person_aliases', 'report_buckets', 'report_results', 'report_session_days'];

async function mergeAll(store: Store): Promise<void> {
  for (const table of MERGED_TABLES) await store.exec(`OPTIMIZE TABLE ${store.database}.${table} FINAL`);
}

let caseNo = 0;

/** Checks the property on random cases of the given report kinds. */
export async function checkIncrementalEqualsFull(store: Store, reports: ReportsSetup, kinds: readonly Kind[], numRuns: number): Promise<void> {
  const caseArb = fc.tuple(fc.integer({ min: 0, max: kinds.length - 1 }), fc.integer({ min: 0, max: ZONES.length - 1 })).chain(([k, z]) =>
    fc.record({
      kind: fc.constant(k),
      zone: fc.constant(z),
      steps: fc.array(stepArb(kinds[k] as Kind, ZONES[z] as (typeof ZONES)[number]), { minLength: 2, maxLength: 5 }),
    }),
  );
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const kind = kinds[c.kind] as Kind;
      const zone = ZONES[c.zone] as (typeof ZONES)[number];
      const projectId = `prop-${++caseNo}`;
      const project = reports.project(projectId, zone.tz);
      const { service } = reports;
      await service.create(project, { name: 'r', analysis: kind.analysis, definition: kind.definition });
      const inserted: TestEvent[] = [];
      for (const step of c.steps) {
        let batch: TestEvent[];
        if (step.kind === 'merge') {
          await mergeAll(store);
          batch = [];
        } else if (step.kind === 'reimport') {
          batch = inserted.length === 0 ? [] : step.pick.map((i) => inserted[i % inserted.length] as TestEvent);
        } else if (step.kind === 'login') {
          batch = [{ id: uuid(), person: step.user, userId: step.user, anonymousId: step.anon, event: 'view', ms: zone.center + step.offset }];
        } else {
          batch = step.events.map((e) => ({ id: uuid(), person: e.person, event: e.event, ms: zone.center + e.offset }));
        }
        if (batch.length > 0) await insertEvents(store, [{ projectId, events: batch }]);
        // Right after a relink is when a merge can take the id's older link away.
        if (step.kind === 'login' && step.merge) await mergeAll(store);
        if (step.kind !== 'reimport' && step.kind !== 'merge') inserted.push(...batch);
        if (step.run) {
          const run = await service.run(project, 'r');
          assert.equal(run.status, 'finished', run.error);
        }
      }
      const last = await service.run(project, 'r');
      assert.equal(last.status, 'finished', last.error);
      const incremental = await service.results(project, 'r');

      await service.create(project, { name: 'full', analysis: kind.analysis, definition: kind.definition });
      const fresh = await service.run(project, 'full');
      assert.equal(fresh.status, 'finished', fresh.error);
      const full = await service.results(project, 'full');
      assert.deepEqual(incremental, full);

      if (kind.whole !== null && inserted.length > 0) {
        const times = inserted.map((e) => e.ms);
        const first = bucketRange(bucketKeyOf(Math.min(...times), kind.whole, zone.tz), kind.whole, zone.tz);
        const lastB = bucketRange(bucketKeyOf(Math.max(...times), kind.whole, zone.tz), kind.whole, zone.tz);
        const analysis = ALL_ANALYSES.find((a) => a.name === kind.analysis);
        assert.ok(analysis);
        const def = analysis.schema.parse({ ...kind.definition, from: first.from, to: lastB.to });
        const result = await analysis.run({ store, projectId, timezone: zone.tz, now: Date.now }, def);
        const table = analysis.toTable(result);
        assert.deepEqual(incremental, { columns: [...table.columns], rows: table.rows.map((r) => [...r]) });
      }
    }),
    // A fixed default seed keeps CI deterministic; FC_SEED=<n> explores other cases. The default
    // reaches, among its sessions cases, an id relinked to a second user after a merge dropped
    // its first link (the bug pinned by the per-person fixture in materialize-fixtures.test.ts).
    { numRuns, seed: Number(process.env.FC_SEED ?? 2) },
  );
}
