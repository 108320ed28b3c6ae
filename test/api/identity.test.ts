import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { personProperty, resolvedEvents } from '../../src/analyses/event-source.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('anonymous visit, then identify, then events as the user: one person, past events included', async () => {
  const ts = (m: number) => new Date(Date.UTC(2024, 0, 1, 10, m)).toISOString();
  const batch = [
    { type: 'track', anonymousId: 'anon-1', event: 'home', timestamp: ts(0) },
    { type: 'identify', anonymousId: 'anon-1', traits: { sex: 'f', device: 'mobile' }, timestamp: ts(1) },
    { type: 'track', anonymousId: 'anon-1', event: 'search', timestamp: ts(2) },
    { type: 'identify', userId: 'user-1', anonymousId: 'anon-1', traits: { plan: 'pro' }, timestamp: ts(3) },
    { type: 'track', userId: 'user-1', event: 'payment', timestamp: ts(4) },
    { type: 'track', anonymousId: 'anon-2', event: 'home', timestamp: ts(5) },
    { type: 'alias', userId: 'user-1', previousId: 'old-device', timestamp: ts(6) },
    { type: 'identify', userId: 'user-1', traits: { device: 'desktop' }, timestamp: ts(7) },
  ];
  const res = await t.post('/v1/import', { batch }, t.basic());
  assert.equal(res.status, 200, JSON.stringify(res.json));
  await t.post('/v1/import', { batch: [{ type: 'track', anonymousId: 'old-device', event: 'confirmation', timestamp: ts(8) }] }, t.basic());
  await t.loaded();
  const src = resolvedEvents(t.app.store.database, t.project.projectId);
  const rows = await t.app.store.query<{ person_id: string; events: string[] }>(
    `SELECT person_id, arrayMap(x -> x.2, arraySort(groupArray((timestamp, event)))) AS events
     FROM ${src.sql} WHERE type = 'track' GROUP BY person_id ORDER BY person_id`, src.params);
  assert.deepEqual(rows, [
    { person_id: 'anon-2', events: ['home'] },
    { person_id: 'user-1', events: ['home', 'search', 'payment', 'confirmation'] },
  ]);
  const props = await t.app.store.query<{ person_id: string; value: string }>(
    `SELECT person_id, value FROM ${personProperty(t.app.store.database, 'k')} ORDER BY person_id`,
    { project: t.project.projectId, k: 'device' });
  // traits sent while anonymous belong to the person; the later identify wins
  assert.deepEqual(props, [{ person_id: 'user-1', value: 'desktop' }]);
  const sex = await t.app.store.query<{ person_id: string; value: string }>(
    `SELECT person_id, value FROM ${personProperty(t.app.store.database, 'k')}`, { project: t.project.projectId, k: 'sex' });
  assert.deepEqual(sex, [{ person_id: 'user-1', value: 'f' }]);
});

test('/v1/status counts persons as the analyses do: linked ids are one person', async () => {
  // After the first test: user-1 (with anon-1 and old-device linked to it) and anon-2.
  const status = await t.get('/v1/status', t.bearer());
  const [raw] = await t.app.store.query<{ n: string }>(
    `SELECT toString(uniqExact(person_id)) AS n FROM ${t.app.store.database}.events WHERE project_id = {project:String}`,
    { project: t.project.projectId });
  assert.equal(raw?.n, '4', 'four distinct ids were sent');
  assert.equal(status.json.personsStored, 2);
});
