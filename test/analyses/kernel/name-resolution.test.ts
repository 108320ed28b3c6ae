/**
 * Name resolution: `--by device` and `--by sex` on data like the e-commerce demo's persons, where
 * device and sex are person traits and the events' device_type column is empty. Before, the
 * funnel answered one "(none)" row for device and silently read sex as an event property.
 * Now the spelling is one rule (`parseName`) and the result says what the name was read as and
 * warns with the spelling that has data.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { parseName } from '../../../src/analyses/kernel/names.js';
import { runAnalysis, resultWarnings } from '../../../src/analyses/kernel/run-analysis.js';
import { ALL_ANALYSES } from '../../../src/analyses/all.js';
import { AnalysisRegistry } from '../../../src/analyses/registry.js';
import { funnelFromFlags } from '../../../src/cli/commands/funnel.command.js';
import { insertFixture } from '../trends/fixture-rows.js';

let store: Store;
let dispose: () => Promise<void>;
const at = (m: number) => `2024-03-10T10:${String(m).padStart(2, '0')}:00Z`;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertFixture(store, 'shop', [
    { id: 1, event: 'home', person: 'u1', at: at(1) },
    { id: 2, event: 'buy', person: 'u1', at: at(2) },
    { id: 3, event: 'home', person: 'u2', at: at(3) },
  ]);
  const traits = [['u1', 'device', 'mobile'], ['u1', 'sex', 'f'], ['u2', 'device', 'desktop'], ['u2', 'sex', 'm']];
  await store.insertJsonRows('person_properties', traits.map(([p, key, value]) =>
    JSON.stringify({ project_id: 'shop', person_id: p, key, value, updated_at: '2024-03-01 00:00:00.000' })).join('\n'));
});
after(async () => dispose());

const analyses = new AnalysisRegistry(ALL_ANALYSES);
const ctx = () => ({ store, projectId: 'shop', timezone: 'UTC', now: () => 0 });
async function run(name: string, definition: unknown) {
  const analysis = analyses.get(name)!;
  return runAnalysis(analysis, ctx(), analysis.schema.parse(definition)) as Promise<{ meta: { names: Array<{ at: string; as: string; found: boolean }> } }>;
}

test('one spelling rule: prefixes, column aliases and column names, else an event property', () => {
  assert.deepEqual(parseName('device'), { source: 'column', property: 'device_type' });
  assert.deepEqual(parseName('os'), { source: 'column', property: 'os' });
  assert.deepEqual(parseName('person.sex'), { source: 'person', property: 'sex' });
  assert.deepEqual(parseName('event.device'), { source: 'event', property: 'device' });
  assert.deepEqual(parseName('sex'), { source: 'event', property: 'sex' });
  assert.deepEqual(parseName('a.b'), { source: 'event', property: 'a.b' });
});

test('funnel --by device: read as the typed column, and warned that only the person property has data', async () => {
  const def = funnelFromFlags({ steps: 'home,buy', by: 'device' });
  assert.deepEqual(def.breakdown, { type: 'column', property: 'device_type' });
  const result = await run('funnel', def);
  assert.deepEqual(result.meta.names.find((n) => n.at === 'breakdown'), { at: 'breakdown', name: 'device_type', as: 'typed column', found: false });
  const warnings = resultWarnings(result);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^breakdown: "device_type" was read as the typed column, but it is empty on every event in the range; the person property "device" is set \(person\.device/);
});

test('funnel --by sex: read as an event property, and warned with the person spelling; --by person.sex is quiet', async () => {
  const sex = await run('funnel', funnelFromFlags({ steps: 'home,buy', by: 'sex' }));
  assert.match(resultWarnings(sex).join('\n'), /"sex" was read as the event property, but no event in the range has it; the person property "sex" is set \(person\.sex; in JSON "source": "person"\)/);
  const person = await run('funnel', funnelFromFlags({ steps: 'home,buy', by: 'person.sex' }));
  assert.deepEqual(resultWarnings(person), []);
});

test('trends: an unknown event name and an unknown property are warned, not silent zeros', async () => {
  const result = await run('trends', {
    event: 'hom', from: '2024-03-10', to: '2024-03-10',
    breakdown: { property: 'sex' }, filters: [{ property: 'plan', op: 'is_not_set' }],
  });
  assert.deepEqual(resultWarnings(result), [
    'event: no "hom" events in the range; check the event name',
    'filters[0]: "plan" was read as the event property, but no event in the range has it',
    'breakdown: "sex" was read as the event property, but no event in the range has it; the person property "sex" is set (person.sex; in JSON "source": "person")',
  ]);
});
