/**
 * The dashboard's read endpoints on a running app: event names, property keys and values for the
 * pickers (hostile names included), the persons behind a funnel bar, and the key they require.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { webPlugins } from '../../src/web/plugins.js';

let t: TestApp;
const HOSTILE = `it's "quoted" \\ back\nline 🎉.dot`;

before(async () => {
  t = await startTestApp({}, { plugins: webPlugins({ assetsDir: '/nonexistent-clickpath-build' }) });
  const at = (min: number): string => new Date(Date.now() - 3 * 3_600_000 + min * 60_000).toISOString();
  const batch = [
    // a: home → search → buy; b: home → search; c: home only; d: search only (never enters).
    { type: 'track', event: 'home', userId: 'a', timestamp: at(0), properties: { plan: 'pro', [HOSTILE]: 'x' }, context: { device: { type: 'mobile' } } },
    { type: 'track', event: 'search', userId: 'a', timestamp: at(1), properties: { q: 'shoes' }, context: { device: { type: 'mobile' } } },
    { type: 'track', event: 'buy', userId: 'a', timestamp: at(2), properties: { revenue: 10 }, context: { device: { type: 'mobile' } } },
    { type: 'track', event: 'home', userId: 'b', timestamp: at(3), properties: { plan: 'free' }, context: { device: { type: 'desktop' } } },
    { type: 'track', event: 'search', userId: 'b', timestamp: at(4), properties: { q: HOSTILE }, context: { device: { type: 'desktop' } } },
    { type: 'track', event: 'home', userId: 'c', timestamp: at(5), properties: { plan: 'free' }, context: { device: { type: 'desktop' } } },
    { type: 'track', event: 'search', userId: 'd', timestamp: at(6), properties: { q: 'hats' } },
    { type: 'identify', userId: 'a', traits: { tier: 'gold' }, timestamp: at(0) },
    { type: 'identify', userId: 'b', traits: { tier: 'silver' }, timestamp: at(0) },
  ];
  const res = await t.post('/v1/batch', { batch }, t.basic());
  assert.equal(res.status, 200, JSON.stringify(res.json));
  await t.loaded();
});

after(async () => {
  await t.close();
});

test('event names with counts, most frequent first', async () => {
  const res = await t.get('/v1/meta/events', t.bearer());
  assert.equal(res.status, 200);
  const events = res.json.events as Array<{ name: string; count: number; lastSeen: string }>;
  assert.deepEqual(
    events.map((e) => [e.name, e.count]),
    [['home', 3], ['search', 3], ['identify', 2], ['buy', 1]],
  );
  assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.lastSeen)) && e.lastSeen.endsWith('Z')));
  const recent = await t.get('/v1/meta/events?days=1&limit=2', t.bearer());
  assert.equal((recent.json.events as unknown[]).length, 2);
});

test('property keys of chosen events, person keys and the column list', async () => {
  const all = await t.get('/v1/meta/properties', t.bearer());
  assert.equal(all.status, 200);
  const keys = (all.json.event as Array<{ key: string; count: number }>).map((k) => k.key);
  assert.deepEqual(new Set(keys), new Set(['plan', 'q', 'revenue', HOSTILE]));
  assert.deepEqual(all.json.person, [{ key: 'tier', count: 2 }]);
  assert.ok((all.json.columns as string[]).includes('device_type'));
  const home = await t.get(`/v1/meta/properties?event=home`, t.bearer());
  assert.deepEqual(home.json.event, [{ key: 'plan', count: 3 }, { key: HOSTILE, count: 1 }]);
  const two = await t.get(`/v1/meta/properties?event=buy&event=search`, t.bearer());
  assert.deepEqual(two.json.event, [{ key: 'q', count: 3 }, { key: 'revenue', count: 1 }]);
});

test('frequent values of an event property, a column and a person property', async () => {
  const plan = await t.get('/v1/meta/values?property=plan', t.bearer());
  assert.deepEqual(plan.json.values, [{ value: 'free', count: 2 }, { value: 'pro', count: 1 }]);
  const q = await t.get(`/v1/meta/values?property=q&event=search`, t.bearer());
  assert.deepEqual(q.json.values, [{ value: HOSTILE, count: 1 }, { value: 'hats', count: 1 }, { value: 'shoes', count: 1 }].sort((x, y) => (x.value < y.value ? -1 : 1)));
  const device = await t.get('/v1/meta/values?source=column&property=device_type', t.bearer());
  assert.deepEqual(device.json.values, [{ value: 'desktop', count: 3 }, { value: 'mobile', count: 3 }]);
  const tier = await t.get('/v1/meta/values?source=person&property=tier', t.bearer());
  assert.deepEqual(tier.json.values, [{ value: 'gold', count: 1 }, { value: 'silver', count: 1 }]);
  const bad = await t.get('/v1/meta/values?source=column&property=person_id', t.bearer());
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.error), /unknown column "person_id"/);
});

test('the persons behind a funnel bar: converted and dropped, per breakdown value', async () => {
  const definition = { steps: [{ event: 'home' }, { event: 'search' }, { event: 'buy' }], breakdown: { type: 'column', property: 'device_type' } };
  const ids = async (body: Record<string, unknown>): Promise<string[]> => {
    const res = await t.post('/v1/funnel/persons', { definition, ...body }, t.bearer());
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const persons = res.json.persons as Array<{ personId: string }>;
    assert.equal(res.json.total, persons.length);
    return persons.map((p) => p.personId).sort();
  };
  assert.deepEqual(await ids({ step: 1, status: 'converted' }), ['a', 'b', 'c']);
  assert.deepEqual(await ids({ step: 2, status: 'dropped' }), ['c']);
  assert.deepEqual(await ids({ step: 3, status: 'dropped' }), ['b']);
  assert.deepEqual(await ids({ step: 3, status: 'converted' }), ['a']);
  assert.deepEqual(await ids({ step: 2, status: 'converted', breakdownValue: 'desktop' }), ['b']);
  const withProps = await t.post('/v1/funnel/persons', { definition, step: 3, status: 'converted' }, t.bearer());
  assert.deepEqual((withProps.json.persons as Array<{ properties: unknown }>)[0]?.properties, { tier: 'gold' });

  const bad = await t.post('/v1/funnel/persons', { definition, step: 1, status: 'dropped' }, t.bearer());
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.error), /step/);
  const badDef = await t.post('/v1/funnel/persons', { definition: { steps: [{ event: 'home' }] }, step: 1, status: 'converted' }, t.bearer());
  assert.equal(badDef.status, 400);
  assert.match(String(badDef.json.error), /definition\.steps/);
});

test('every read endpoint needs the secret key', async () => {
  for (const path of ['/v1/meta/events', '/v1/meta/properties', '/v1/meta/values?property=plan']) {
    assert.equal((await t.get(path)).status, 401, path);
    assert.equal((await t.get(path, t.bearer('sk_wrong'))).status, 401, path);
    assert.equal((await t.get(path, t.bearer(t.project.writeKey))).status, 403, path);
  }
  assert.equal((await t.post('/v1/funnel/persons', {}, {})).status, 401);
});

test('the dashboard page says how to build it when the build is missing', async () => {
  const res = await fetch(`${t.app.url}/funnel`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /npm run build/);
});
