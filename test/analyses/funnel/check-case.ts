/**
 * Runs one random case through the engine and the reference and asserts they agree: the whole
 * result, and one page of the persons list.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { funnelDefinitionSchema } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { timelineServes } from '../../../src/analyses/funnel/person-stage-sql.js';
import { personsAtStep } from '../../../src/analyses/funnel/persons.js';
import { compareText, referenceFunnel, referenceOutcomes } from '../../../src/analyses/funnel/reference.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import type { Store } from '../../../src/store/store.js';
import type { Case } from './arbitraries.js';
import { context, insertProjects, referenceData } from './helpers.js';

let counter = 0;

/** How many cases each source served, for a test to check that both ran. */
export const sourceCounts = { timeline: 0, events: 0 };

export async function checkCase(store: Store, c: Case, persons: { step: number; status: 'converted' | 'dropped' } | null): Promise<void> {
  const parsed = funnelDefinitionSchema.safeParse(c.definition);
  fc.pre(parsed.success);
  const project = `prop-${process.pid}-${counter++}`;
  await insertProjects(store, [{ project, events: c.events, personProps: c.personProps, aliases: c.aliases ?? [] }]);
  const ctx = context(store, project, c.timezone);
  const plan = planFunnel(c.definition, ctx);
  const data = referenceData(c.events, c.personProps, c.aliases ?? []);
  const want = referenceFunnel(plan, data);
  // Both per-person sources: the person timeline where it carries what the plan reads, and the
  // events table (the old path, kept for the rest).
  const sources = timelineServes(plan) ? (['timeline', 'events'] as const) : (['events'] as const);
  for (const source of sources) assert.deepEqual(await runFunnel(ctx, c.definition, { source }), want, `source ${source}`);
  sourceCounts[sources[0]]++;
  if (persons === null) return;
  const n = c.definition.steps.length;
  const step = Math.min(persons.step, n);
  const status = step === 1 ? 'converted' : persons.status;
  const wantPersons = referenceOutcomes(plan, data)
    .filter((o) => (status === 'converted' ? o.level >= step : o.level === step - 1))
    .sort((a, b) => compareText(a.personId, b.personId));
  for (const source of sources) {
    const got = await personsAtStep(ctx, c.definition, { step, status, limit: 2, offset: 1 }, { source });
    assert.equal(got.total, wantPersons.length, `source ${source}`);
    assert.deepEqual(
      got.persons.map((p) => [p.personId, p.reachedStep, Date.parse(p.enteredAt)]),
      wantPersons.slice(1, 3).map((o) => [o.personId, o.level, o.entryMs]),
      `source ${source}`,
    );
  }
}
