/**
 * The e-commerce demo's funnel by device and by sex, engine against the reference implementation
 * on exactly the rows the demo generator stored (read back from the store).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { generateDemo } from '../../../src/demo/generate-demo.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { referenceFunnel, type ReferenceData } from '../../../src/analyses/funnel/reference.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import type { FunnelDefinition } from '../../../src/analyses/funnel/definition.js';

let store: Store;
let dispose: () => Promise<void>;
let data: ReferenceData;
const END = new Date(Date.UTC(2024, 5, 30));

before(async () => {
  ({ store, dispose } = await tempStore());
  await generateDemo(store, { scenario: 'ecommerce', projectId: 'shop', events: 30_000, seed: 5, end: END, days: 90 });
  const events = await store.query<{ id: string; person: string; type: string; event: string; ms: string; properties: Record<string, string>; device_type: string; channel: string }>(
    `SELECT toString(event_id) AS id, person_id AS person, type, event, toString(toUnixTimestamp64Milli(timestamp)) AS ms, properties, device_type, channel
     FROM ${store.database}.events WHERE project_id = 'shop'`);
  const props = await store.query<{ person: string; key: string; value: string }>(
    `SELECT person_id AS person, key, argMax(value, updated_at) AS value FROM ${store.database}.person_properties WHERE project_id = 'shop' GROUP BY person, key`);
  const personProperties = new Map<string, Record<string, string>>();
  for (const p of props) personProperties.set(p.person, { ...(personProperties.get(p.person) ?? {}), [p.key]: p.value });
  data = {
    events: events.map((e) => ({
      eventId: e.id, personId: e.person, type: e.type, event: e.event, timestampMs: Number(e.ms),
      properties: e.properties, columns: { device_type: e.device_type, channel: e.channel },
    })),
    personProperties,
  };
  assert.equal(data.events.length, 30_000);
});
after(async () => dispose());

const STEPS = ['home', 'search', 'payment', 'confirmation'].map((event) => ({ event }));
const ctx = () => ({ store, projectId: 'shop', timezone: 'Europe/Berlin', now: () => END.getTime() });

for (const [label, def] of [
  ['by device (event column)', { steps: STEPS, window: '7d', breakdown: { type: 'column', property: 'device_type' } }],
  ['by device (person property), with a monthly trend', { steps: STEPS, window: '7d', breakdown: { type: 'person', property: 'device' }, trend: { interval: 'month' } }],
  ['by sex (person property), one month, 1-day window', { steps: STEPS, window: '1d', from: '2024-05-01', to: '2024-05-31', breakdown: { type: 'person', property: 'sex' } }],
  ['strict order by channel', { steps: STEPS, order: 'strict', window: '2h', breakdown: { type: 'column', property: 'channel' } }],
] as Array<[string, FunnelDefinition]>) {
  test(`e-commerce demo funnel ${label}: engine equals reference`, async () => {
    const got = await runFunnel(ctx(), def);
    assert.deepEqual(got, referenceFunnel(planFunnel(def, ctx()), data));
    // The demo's shape shows through: everyone enters at home, fewer reach each next step.
    const persons = got.steps.map((s) => s.persons);
    assert.ok(persons.every((n, i) => i === 0 || n <= (persons[i - 1] ?? 0)) && (persons[3] ?? 0) > 0, String(persons));
    assert.ok((got.breakdown?.rows.length ?? 0) >= 2);
  });
}
