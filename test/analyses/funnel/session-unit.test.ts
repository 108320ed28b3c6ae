/**
 * Counting by session, worked out by hand: sessions cut by the timeout, by the maximum length and
 * at midnight, each session a unit of its own; the list of units has one row per session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { funnelDefinitionSchema, type FunnelDefinition } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { referenceFunnel } from '../../../src/analyses/funnel/reference.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import { personsAtStep } from '../../../src/analyses/funnel/persons.js';
import { MIN, T0, context, insertProjects, referenceData, type EventSpec } from './helpers.js';

let store: Store;
let dispose: () => Promise<void>;
let project = 0;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const HOUR = 60 * MIN;
const ev = (person: string, event: string, t: number): EventSpec => ({ person, event, t });
const AB: FunnelDefinition = { steps: [{ event: 'A' }, { event: 'B' }], window: '1d' };

async function stepCounts(definition: FunnelDefinition, events: EventSpec[]): Promise<{ counts: number[]; project: string }> {
  const id = `session-unit-${project++}`;
  await insertProjects(store, [{ project: id, events, personProps: [] }]);
  const ctx = context(store, id, 'UTC');
  const got = await runFunnel(ctx, definition);
  assert.deepEqual(got, referenceFunnel(planFunnel(definition, ctx), referenceData(events, [])));
  return { counts: got.steps.map((s) => s.persons), project: id };
}

// p1: 10:00 A, 10:10 B (one session, converts); 12:00 A, 12:50 B (50 min apart: two sessions, the
// first stops at A, the second never enters); 14:00 A, 14:10 C, 14:20 B (10-min gaps).
const p1 = [
  ev('p1', 'A', T0 + 10 * HOUR), ev('p1', 'B', T0 + 10 * HOUR + 10 * MIN),
  ev('p1', 'A', T0 + 12 * HOUR), ev('p1', 'B', T0 + 12 * HOUR + 50 * MIN),
  ev('p1', 'A', T0 + 14 * HOUR), ev('p1', 'C', T0 + 14 * HOUR + 10 * MIN), ev('p1', 'B', T0 + 14 * HOUR + 20 * MIN),
];

test('by person p1 converts once; by session three sessions enter and one converts', async () => {
  assert.deepEqual((await stepCounts(AB, p1)).counts, [1, 1]);
  // Timeout 30m: sessions 10:00–10:10 (A, B), 12:00 (A), 12:50 (B), 14:00–14:20 (A, C, B).
  assert.deepEqual((await stepCounts({ ...AB, unit: 'session' }, p1)).counts, [3, 2]);
  // A 15-minute maximum cuts 14:00–14:20 at 14:15: 14:00 (A, C) and 14:20 (B).
  const cut = await stepCounts({ ...AB, unit: 'session', session: { timeout: '30m', maxLength: '15m' } }, p1);
  assert.deepEqual(cut.counts, [3, 1]);
  // The units that reached step 1, in person then entry order: one row per session.
  const ctx = context(store, cut.project, 'UTC');
  const units = await personsAtStep(ctx, { ...AB, unit: 'session', session: { maxLength: '15m' } }, { step: 1, status: 'converted', limit: 10, offset: 0 });
  assert.equal(units.total, 3);
  assert.deepEqual(units.persons.map((u) => [u.personId, u.reachedStep, Date.parse(u.enteredAt) - T0]), [
    ['p1', 2, 10 * HOUR], ['p1', 1, 12 * HOUR], ['p1', 1, 14 * HOUR],
  ]);
});

test('midnight splits a session only when asked to', async () => {
  // 23:50 A and 00:05 B the next day: 15 minutes apart.
  const late = [ev('p2', 'A', T0 + 23 * HOUR + 50 * MIN), ev('p2', 'B', T0 + 24 * HOUR + 5 * MIN)];
  assert.deepEqual((await stepCounts({ ...AB, unit: 'session' }, late)).counts, [1, 1]);
  assert.deepEqual((await stepCounts({ ...AB, unit: 'session', session: { splitAtMidnight: true } }, late)).counts, [1, 0]);
});

test('session rules without counting by session are refused with their path', () => {
  const r = funnelDefinitionSchema.safeParse({ ...AB, session: { timeout: '10m' } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues.map((i) => i.path), [['session']]);
  const bad = funnelDefinitionSchema.safeParse({ ...AB, unit: 'session', session: { timeout: 'soon' } });
  assert.deepEqual(bad.error?.issues.map((i) => i.path), [['session', 'timeout']]);
});
