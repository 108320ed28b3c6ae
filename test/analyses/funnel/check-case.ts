/**
 * Runs one random case through the engine and the reference and asserts they agree: the whole
 * result, and one page of the persons list.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { funnelDefinitionSchema } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { personsAtStep } from '../../../src/analyses/funnel/persons.js';
import { compareText, referenceFunnel, referenceOutcomes } from '../../../src/analyses/funnel/reference.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import type { Store } from '../../../src/store/store.js';
import type { Case } from './arbitraries.js';
import { context, insertProjects, referenceData } from './helpers.js';

let counter = 0;

export async function checkCase(store: Store, c: Case, persons: { step: number; status: 'converted' | 'dropped' } | null): Promise<void> {
  const parsed = funnelDefinitionSchema.safeParse(c.definition);
  fc.pre(parsed.success);
  const project = `prop-${process.pid}-${counter++}`;
  await insertProjects(store, [{ project, events: c.events, personProps: c.personProps, aliases: c.aliases ?? [] }]);
  const ctx = context(store, project, c.timezone);
  const plan = planFunnel(c.definition, ctx);
  const data = referenceData(c.events, c.personProps, c.aliases ?? []);
  assert.deepEqual(await runFunnel(ctx, c.definition), referenceFunnel(plan, data));
  if (persons === null) return;
  const n = c.definition.steps.length;
  const step = Math.min(persons.step, n);
  const status = step === 1 ? 'converted' : persons.status;
  const want = referenceOutcomes(plan, data)
    .filter((o) => (status === 'converted' ? o.level >= step : o.level === step - 1))
    .sort((a, b) => compareText(a.personId, b.personId));
  const got = await personsAtStep(ctx, c.definition, { step, status, limit: 2, offset: 1 });
  assert.equal(got.total, want.length);
  assert.deepEqual(
    got.persons.map((p) => [p.personId, p.reachedStep, Date.parse(p.enteredAt)]),
    want.slice(1, 3).map((o) => [o.personId, o.level, o.entryMs]),
  );
}
