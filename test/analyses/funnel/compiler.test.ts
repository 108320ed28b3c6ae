import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFunnel, compilePersons } from '../../../src/analyses/funnel/funnel-compiler.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import type { FunnelDefinition, OrderMode } from '../../../src/analyses/funnel/definition.js';

const EVIL = "x'); DROP TABLE events; --";

function definition(order: OrderMode): FunnelDefinition {
  return {
    steps: [
      { event: EVIL, filters: [{ property: `${EVIL}key`, op: 'eq', value: `${EVIL}value` }] },
      { event: ['b', `${EVIL}2`], filters: [{ property: 'tier', source: 'person', op: 'in', value: [`${EVIL}tier`] }] },
      { event: 'c', filters: [{ property: 'n', op: 'regex', value: `${EVIL}re` }] },
    ],
    order,
    exclusions: [{ event: `${EVIL}excl`, between: [1, 3] }],
    breakdown: { type: 'person', property: `${EVIL}bd` },
    filters: [{ property: `${EVIL}gk`, op: 'contains', value: `${EVIL}gv` }],
    trend: { interval: 'week' },
  };
}

test('user strings never reach the SQL text; they travel as bound parameters', () => {
  for (const order of ['ordered', 'strict', 'any'] as const) {
    const plan = planFunnel(definition(order), { timezone: "Europe/Berlin'); DROP" });
    const queries = [compileFunnel(plan, 'clickpath', `proj${EVIL}`), ...Object.values(compilePersons(plan, 'clickpath', `proj${EVIL}`, { step: 2, status: 'dropped', limit: 10, offset: 0, breakdownValue: `${EVIL}v` }))];
    for (const q of queries) {
      assert.ok(!q.sql.includes('DROP'), `${order}: SQL text contains a user string`);
      assert.ok(!q.sql.includes(EVIL));
      const bound = JSON.stringify(q.params);
      for (const s of [EVIL, `${EVIL}key`, `${EVIL}value`, `${EVIL}2`, `${EVIL}tier`, `${EVIL}re`, `${EVIL}gk`, `${EVIL}gv`, `proj${EVIL}`]) {
        assert.ok(bound.includes(JSON.stringify(s).slice(1, -1)), `${order}: ${s} is not bound`);
      }
    }
  }
});

test('the engine strategy follows the mode: vectorised ordered, strict shifts, state machine otherwise', () => {
  const sql = (d: FunnelDefinition): string => compileFunnel(planFunnel(d, { timezone: 'UTC' }), 'db', 'p').sql;
  const plain: FunnelDefinition = { steps: [{ event: 'a' }, { event: 'b' }] };
  assert.ok(sql(plain).includes('arrayFill') && !sql(plain).includes('arrayFold'));
  assert.ok(!sql({ ...plain, order: 'strict' }).includes('arrayFold'));
  assert.ok(sql({ ...plain, order: 'any' }).includes('arrayFold'));
  assert.ok(sql({ ...plain, exclusions: [{ event: 'x', between: [1, 2] }] }).includes('arrayFold'));
});
