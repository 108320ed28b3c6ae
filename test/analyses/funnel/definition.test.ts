import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssues, funnelDefinitionSchema, parseFunnelDefinition, type FunnelDefinition } from '../../../src/analyses/funnel/definition.js';
import { parseDuration } from '../../../src/analyses/shared/duration.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';

const two = [{ event: 'a' }, { event: 'b' }];

/** The formatted paths of a definition's problems. */
function paths(input: unknown): string[] {
  const r = parseFunnelDefinition(input);
  assert.equal(r.ok, false, 'expected the definition to be refused');
  return r.ok ? [] : r.issues.map((i) => i.path);
}

test('an unknown order mode is reported at order', () => {
  assert.deepEqual(paths({ steps: two, order: 'sideways' }), ['order']);
});

test('1 step and 33 steps are reported at steps', () => {
  assert.deepEqual(paths({ steps: [{ event: 'a' }] }), ['steps']);
  assert.deepEqual(paths({ steps: Array.from({ length: 33 }, () => ({ event: 'a' })) }), ['steps']);
  assert.equal(parseFunnelDefinition({ steps: Array.from({ length: 32 }, () => ({ event: 'a' })) }).ok, true);
});

test('a negative, zero or malformed window is reported at window (or window.ms)', () => {
  assert.deepEqual(paths({ steps: two, window: '-7d' }), ['window']);
  assert.deepEqual(paths({ steps: two, window: '0d' }), ['window']);
  assert.deepEqual(paths({ steps: two, window: '7 days' }), ['window']);
  assert.deepEqual(paths({ steps: two, window: { ms: -1 } }), ['window.ms']);
  assert.deepEqual(paths({ steps: two, window: { ms: 0 } }), ['window.ms']);
});

test('an unknown filter operator is reported at its exact path', () => {
  const steps = [{ event: 'a' }, { event: 'b' }, { event: 'c', filters: [{ property: 'plan', op: 'approximately', value: 'x' }] }];
  assert.deepEqual(paths({ steps }), ['steps[2].filters[0].op']);
  assert.deepEqual(paths({ steps: two, filters: [{ property: 'x', op: 'eq', value: 'y' }, { property: 'x', op: 'like' }] }), ['filters[1].op']);
});

test('filter values must fit their operator', () => {
  const withFilter = (f: object): unknown => ({ steps: [{ event: 'a', filters: [f] }, { event: 'b' }] });
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'gt', value: 'ten' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'in', value: 'x' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'is_set', value: 'x' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'eq' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'regex', value: '(?=x)' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'n', op: 'regex', value: '(' })), ['steps[0].filters[0].value']);
  assert.deepEqual(paths(withFilter({ property: 'evil; DROP', source: 'column', op: 'eq', value: 'x' })), ['steps[0].filters[0].property']);
});

test('cross-field problems name the field: exclusions, breakdown, range, unit', () => {
  assert.deepEqual(paths({ steps: two, exclusions: [{ event: 'x', between: [2, 2] }] }), ['exclusions[0].between']);
  assert.deepEqual(paths({ steps: two, exclusions: [{ event: 'x', between: [1, 3] }] }), ['exclusions[0].between']);
  assert.deepEqual(paths({ steps: two, breakdown: { type: 'event', property: 'p', attributionStep: 3 } }), ['breakdown.attributionStep']);
  assert.deepEqual(paths({ steps: two, breakdown: { type: 'person', property: 'p', attributionStep: 1 } }), ['breakdown.attributionStep']);
  assert.deepEqual(paths({ steps: two, breakdown: { type: 'column', property: 'nope' } }), ['breakdown.property']);
  assert.deepEqual(paths({ steps: two, from: '2024-02-01', to: '2024-01-01' }), ['to']);
  assert.deepEqual(paths({ steps: two, from: '2024-02-30' }), ['from']);
  assert.deepEqual(paths({ steps: two, session: { timeout: '10m' } }), ['session']);
  assert.deepEqual(paths({ steps: two, unit: 'visit' }), ['unit']);
  assert.deepEqual(paths({ steps: two, colour: 'red' }), ['']);
});

test('formatIssues keeps zod messages and renders nested paths', () => {
  const r = funnelDefinitionSchema.safeParse({ steps: [{ event: 'a' }, { event: 'b', filters: [{ property: 'p', op: 'bad' }] }], order: 'x' });
  assert.equal(r.success, false);
  if (r.success) return;
  const issues = formatIssues(r.error);
  assert.deepEqual(issues.map((i) => i.path), ['steps[1].filters[0].op', 'order']);
  assert.ok(issues.every((i) => i.message.length > 0));
});

test('durations parse to ms', () => {
  assert.equal(parseDuration('30m'), 30 * 60_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('14d'), 14 * 86_400_000);
  assert.equal(parseDuration('1w'), 7 * 86_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('-1d'), undefined);
  assert.equal(parseDuration('1.5h'), undefined);
});

test('the plan applies defaults and resolves date-only bounds as whole local days', () => {
  const def: FunnelDefinition = { steps: [{ event: ['a', 'a', 'b'] }, { event: 'c', label: 'Checkout' }], from: '2024-03-31', to: '2024-03-31' };
  const plan = planFunnel(def, { timezone: 'Europe/Berlin' });
  assert.equal(plan.mode, 'ordered');
  assert.equal(plan.windowMs, 14 * 86_400_000);
  assert.deepEqual(plan.steps.map((s) => s.label), ['a or b', 'Checkout']);
  // Berlin switches to summer time on 2024-03-31: that day starts 23:00Z the day before and lasts 23 hours.
  assert.equal(plan.fromMs, Date.parse('2024-03-30T23:00:00Z'));
  assert.equal(plan.toMs, Date.parse('2024-03-31T22:00:00Z'));
  const exact = planFunnel({ ...def, from: '2024-03-31T10:00:00+02:00', to: '2024-03-31T12:00:00Z' }, { timezone: 'Europe/Berlin' });
  assert.equal(exact.fromMs, Date.parse('2024-03-31T08:00:00Z'));
  assert.equal(exact.toMs, Date.parse('2024-03-31T12:00:00Z'));
});
