import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const READS: Array<[string, string]> = [
  ['GET', '/v1/status'],
  ['GET', '/v1/rejected'],
  ['POST', '/v1/query/funnel'],
];

test('a write key cannot read anything', async () => {
  for (const [method, path] of READS) {
    const res = method === 'GET' ? await t.get(path, t.bearer(t.project.writeKey)) : await t.post(path, {}, t.bearer(t.project.writeKey));
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.match(String(res.json.error), /secret key/);
    const basic = method === 'GET' ? await t.get(path, t.basic()) : await t.post(path, {}, t.basic());
    assert.equal(basic.status, 401, `${method} ${path} with Basic write key`);
  }
});

test('no key and unknown keys are 401; the secret key reads its own project only', async () => {
  assert.equal((await t.get('/v1/status')).status, 401);
  assert.equal((await t.get('/v1/status', t.bearer('sk_unknown'))).status, 401);
  const other = await t.app.registry.create('Other', { timezone: 'Europe/Berlin' });
  await t.post('/v1/track', { userId: 'u', event: 'mine' }, t.basic());
  await t.loaded();
  const mine = await t.get('/v1/status', t.bearer());
  assert.equal(mine.status, 200);
  assert.equal((mine.json.project as { id: string }).id, t.project.projectId);
  assert.equal(mine.json.eventsStored, 1);
  const theirs = await t.get('/v1/status', t.bearer(other.secretKey));
  assert.equal((theirs.json.project as { id: string }).id, other.projectId);
  assert.equal(theirs.json.eventsStored, 0);
});

test('project administration needs the admin key, which can act for a named project', async () => {
  assert.equal((await t.post('/v1/projects', { name: 'x' }, t.bearer())).status, 401);
  const admin = { authorization: `Bearer ${t.app.adminKey}` };
  const created = await t.post('/v1/projects', { name: 'Made by admin', timezone: 'America/New_York' }, admin);
  assert.equal(created.status, 201);
  assert.match(String(created.json.secretKey), /^sk_/);
  const badTz = await t.post('/v1/projects', { name: 'x', timezone: 'Mars/Base' }, admin);
  assert.equal(badTz.status, 400);
  assert.match(String(badTz.json.error), /timezone/);
  const asProject = await t.get('/v1/status', { ...admin, 'x-clickpath-project': String(created.json.projectId) });
  assert.equal(asProject.status, 200);
  const missing = await t.get('/v1/status', admin);
  assert.equal(missing.status, 404);
});

test('unknown analysis is a 404 that lists the available ones', async () => {
  const res = await t.post('/v1/query/nope', {}, t.bearer());
  assert.equal(res.status, 404);
  assert.match(String(res.json.error), /unknown analysis "nope"/);
});
