/**
 * The PostHog capture API: the official posthog-node SDK, unchanged, pointed at a Clickpath server
 * (gzip batches to /batch/, flags from /flags/?v=2), and the body forms posthog-js sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PostHog } from 'posthog-node';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { personProperty, resolvedEvents } from '../../src/analyses/event-source.js';
import { eventIdFromMessageId } from '../../src/events/event-id.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const db = () => t.app.store.database;

async function rows<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return t.app.store.query<T>(sql, { project: t.project.projectId, ...params });
}

test('posthog-node delivers 200 events with ids, properties, identity links and person properties', async () => {
  const posthog = new PostHog(t.project.writeKey, { host: t.app.url, flushAt: 20, flushInterval: 50, fetchRetryCount: 1, fetchRetryDelay: 50 });
  const errors: unknown[] = [];
  posthog.on('error', (err) => errors.push(err));
  let sent = 0;
  let extraIdentifies = 0;
  for (let u = 0; u < 10; u++) {
    // Before login: the anonymous id, flagged as such the way posthog-js does.
    for (let k = 0; k < 5; k++) {
      posthog.capture({ distinctId: `anon-${u}`, event: 'browse', properties: { i: sent++, $is_identified: false, item: `sku-${k}` } });
    }
    posthog.identify({ distinctId: `user-${u}`, properties: { $anon_distinct_id: `anon-${u}`, $set: { plan: u % 2 ? 'pro' : 'free' }, $set_once: { first_seen: 'day-1' } } });
    sent++;
    posthog.capture({ distinctId: `user-${u}`, event: '$pageview', properties: { i: sent++, $current_url: `https://shop.test/p/${u}?utm_source=google`, $pathname: `/p/${u}`, title: 'Product' } });
    for (let k = 0; k < 11; k++) {
      posthog.capture({ distinctId: `user-${u}`, event: 'Order Completed', properties: { i: sent++, revenue: 10 + k + 0.5, 'weird.key "q"': 'yes', nested: { a: [1, 2] } } });
    }
  }
  const colorUuid = '01900000-0000-7000-8000-00000000c010';
  posthog.capture({ distinctId: 'user-2', event: 'Color Chosen', uuid: colorUuid, properties: { i: sent++, $set: { color: 'teal' } } });
  extraIdentifies++;
  posthog.alias({ distinctId: 'user-0', alias: 'legacy-0' });
  sent++;
  posthog.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { employees: 12 }, distinctId: 'user-0' });
  sent++;
  posthog.setPersonProperties({ distinctId: 'user-1', properties: { age: 30 } });
  sent++;
  while (sent < 200) posthog.capture({ distinctId: 'user-3', event: 'Tick', properties: { i: sent++ } });
  assert.equal(sent, 200);
  // No feature flags exist here, and asking for them is no error.
  assert.deepEqual(await posthog.getAllFlags('user-1'), {});
  assert.deepEqual(await posthog.getAllFlagsAndPayloads('user-1'), { featureFlags: {}, featureFlagPayloads: {} });
  await posthog.shutdown(10_000);
  assert.deepEqual(errors, []);
  await t.loaded();

  const byType = await rows<{ type: string; n: string }>(
    `SELECT type, toString(count()) AS n FROM ${db()}.events WHERE project_id = {project:String} GROUP BY type ORDER BY type`);
  assert.deepEqual(Object.fromEntries(byType.map((r) => [r.type, Number(r.n)])), {
    alias: 1, group: 1, identify: 10 + 1 + extraIdentifies, page: 10, track: 200 - 10 - 10 - 3,
  });
  // Every event with an index arrived exactly once.
  const [idx] = await rows<{ n: string; distinct: string }>(
    `SELECT toString(count()) AS n, toString(uniqExact(properties['i'])) AS distinct FROM ${db()}.events
     WHERE project_id = {project:String} AND mapContains(properties, 'i')`);
  assert.deepEqual(idx, { n: '187', distinct: '187' });

  // The event's uuid is its messageId (so retries dedupe); its $set rides in an identify of its own.
  const ids = await rows<{ type: string; event_id: string }>(
    `SELECT type, toString(event_id) AS event_id FROM ${db()}.events WHERE project_id = {project:String} AND user_id = 'user-2'
       AND (event = 'Color Chosen' OR (type = 'identify' AND mapContains(traits, 'color'))) ORDER BY type`);
  assert.deepEqual(ids, [
    { type: 'identify', event_id: eventIdFromMessageId(t.project.projectId, `${colorUuid}:set`) },
    { type: 'track', event_id: eventIdFromMessageId(t.project.projectId, colorUuid) },
  ]);

  const [order] = await rows<{ revenue: string; weird: string; nested: string; lib: string; user: string }>(
    `SELECT properties['revenue'] AS revenue, properties[{k:String}] AS weird, properties['nested'] AS nested,
            JSONExtractString(context, 'library', 'name') AS lib, user_id AS user
     FROM ${db()}.events WHERE project_id = {project:String} AND event = 'Order Completed' AND properties['i'] = '7'`, { k: 'weird.key "q"' });
  assert.deepEqual(order, { revenue: '10.5', weird: 'yes', nested: '{"a":[1,2]}', lib: 'posthog-node', user: 'user-0' });

  const [page] = await rows<{ url: string; path: string; title: string; utm: string; channel: string }>(
    `SELECT page_url AS url, page_path AS path, page_title AS title, utm_source AS utm, channel FROM ${db()}.events
     WHERE project_id = {project:String} AND type = 'page' AND user_id = 'user-4'`);
  assert.deepEqual(page, { url: 'https://shop.test/p/4?utm_source=google', path: '/p/4', title: 'Product', utm: 'google', channel: 'search' });

  // Anonymous events carry the anonymous id; $identify carries both and links them.
  const [anon] = await rows<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${db()}.events WHERE project_id = {project:String} AND anonymous_id = 'anon-3' AND user_id = '' AND event = 'browse'`);
  assert.equal(anon?.n, '5');
  const links = await rows<{ distinct_id: string; person_id: string }>(
    `SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM ${db()}.person_aliases
     WHERE project_id = {project:String} GROUP BY distinct_id ORDER BY distinct_id`);
  assert.deepEqual(links, [
    ...Array.from({ length: 10 }, (_, u) => ({ distinct_id: `anon-${u}`, person_id: `user-${u}` })),
    { distinct_id: 'legacy-0', person_id: 'user-0' },
  ]);
  // Resolved the way analyses do: the anonymous browsing belongs to the user.
  const src = resolvedEvents(db(), t.project.projectId);
  const persons = await t.app.store.query<{ person_id: string; n: string }>(
    `SELECT person_id, toString(count()) AS n FROM ${src.sql} WHERE event = 'browse' GROUP BY person_id ORDER BY person_id`, src.params);
  assert.equal(persons.length, 10);
  assert.ok(persons.every((p) => p.person_id.startsWith('user-') && p.n === '5'));
  const status = await t.get('/v1/status', t.bearer());
  assert.equal(status.json.personsStored, 10);

  const prop = async (key: string) =>
    t.app.store.query<{ person_id: string; value: string }>(
      `SELECT person_id, value FROM ${personProperty(db(), 'k')} ORDER BY person_id`, { project: t.project.projectId, k: key });
  assert.deepEqual((await prop('plan')).length, 10);
  assert.deepEqual((await prop('plan'))[1], { person_id: 'user-1', value: 'pro' });
  assert.deepEqual(await prop('color'), [{ person_id: 'user-2', value: 'teal' }]);
  assert.deepEqual(await prop('age'), [{ person_id: 'user-1', value: '30' }]);
  assert.equal((await prop('first_seen')).length, 10);

  const [group] = await rows<{ gid: string; gtype: string; employees: string }>(
    `SELECT properties['groupId'] AS gid, properties['$group_type'] AS gtype, traits['employees'] AS employees
     FROM ${db()}.events WHERE project_id = {project:String} AND type = 'group'`);
  assert.deepEqual(group, { gid: 'acme', gtype: 'company', employees: '12' });
});

test('posthog-node historical migration, uncompressed: timestamps are kept as given', async () => {
  const posthog = new PostHog(t.project.writeKey, { host: t.app.url, historicalMigration: true, disableCompression: true, flushAt: 5 });
  for (let k = 0; k < 5; k++) {
    posthog.capture({ distinctId: 'old-user', event: 'legacy', properties: { k }, timestamp: new Date(Date.UTC(2020, 0, 1 + k, 12)) });
  }
  await posthog.shutdown(10_000);
  await t.loaded();
  const got = await rows<{ ts: string }>(
    `SELECT toString(timestamp) AS ts FROM ${db()}.events WHERE project_id = {project:String} AND event = 'legacy' ORDER BY timestamp`);
  assert.deepEqual(got.map((r) => r.ts), [1, 2, 3, 4, 5].map((d) => `2020-01-0${d} 12:00:00.000`));
});

/** posthog-js's body encodings, written out independently of the server's decoder. */
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64');

test('capture paths accept JSON, gzip-js, base64 forms and arrays, with and without the trailing slash', async () => {
  const ev = (n: number, extra: Record<string, unknown> = {}) => ({
    event: 'form test', distinct_id: 'pj-user', uuid: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    properties: { token: t.project.writeKey, n, label: 'ünïcode 🎉', ...extra }, timestamp: new Date().toISOString(),
  });
  const cases: Array<{ path: string; body: string | Uint8Array; type: string }> = [
    { path: '/e/', body: JSON.stringify({ api_key: t.project.writeKey, batch: [ev(1), ev(2)], sent_at: new Date().toISOString() }), type: 'application/json' },
    { path: '/e', body: gzipSync(JSON.stringify([ev(3)])), type: 'text/plain' },
    { path: '/i/v0/e/?compression=gzip-js&ver=1.0', body: gzipSync(JSON.stringify([ev(4)])), type: 'text/plain' },
    { path: '/i/v0/e?compression=base64', body: `data=${encodeURIComponent(b64([ev(5)]))}`, type: 'application/x-www-form-urlencoded' },
    // an unescaped '+' in the base64 (older clients) must survive form decoding
    { path: '/capture/', body: `data=${b64(ev(6, { plus: '>>>???' }))}`, type: 'application/x-www-form-urlencoded' },
    { path: '/capture', body: `compression=base64&data=${encodeURIComponent(b64(ev(7)))}`, type: 'application/x-www-form-urlencoded' },
    { path: '/batch/', body: JSON.stringify({ api_key: t.project.writeKey, batch: [ev(8)] }), type: 'application/json' },
    { path: '/batch', body: JSON.stringify(ev(9)), type: 'text/plain' },
  ];
  assert.ok(b64(ev(6, { plus: '>>>???' })).includes('+'), 'the case needs a "+" in its base64');
  for (const c of cases) {
    const res = await fetch(t.app.url + c.path, { method: 'POST', headers: { 'content-type': c.type }, body: c.body });
    assert.equal(res.status, 200, `${c.path}: ${await res.text()}`);
  }
  // a retried request (same uuids) is stored once
  await fetch(t.app.url + '/e/', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: gzipSync(JSON.stringify([ev(3)])) });
  await t.loaded();
  const got = await rows<{ n: string; label: string; plus: string }>(
    `SELECT properties['n'] AS n, properties['label'] AS label, properties['plus'] AS plus FROM ${db()}.events
     WHERE project_id = {project:String} AND event = 'form test' ORDER BY toUInt32(n)`);
  assert.deepEqual(got.map((r) => r.n), ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.ok(got.every((r) => r.label === 'ünïcode 🎉'));
  assert.equal(got[5]?.plus, '>>>???');
  const [tok] = await rows<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${db()}.events WHERE project_id = {project:String} AND mapContains(properties, 'token')`);
  assert.equal(tok?.n, '0', 'the project token is not stored as a property');
});

test('offset and sent_at set the time the way PostHog reads them', async () => {
  const now = Date.now();
  const skewed = new Date(now + 3_600_000); // a device clock an hour fast
  const res = await t.post('/e/', {
    api_key: t.project.writeKey,
    sent_at: skewed.toISOString(),
    batch: [
      { event: 'timed', distinct_id: 'clock', properties: { kind: 'skew' }, timestamp: new Date(skewed.getTime() - 60_000).toISOString() },
      { event: 'timed', distinct_id: 'clock', properties: { kind: 'offset' }, offset: 120_000 },
    ],
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  await t.loaded();
  const got = await rows<{ kind: string; ms: string }>(
    `SELECT properties['kind'] AS kind, toString(toUnixTimestamp64Milli(timestamp)) AS ms FROM ${db()}.events
     WHERE project_id = {project:String} AND event = 'timed' ORDER BY kind`);
  const ago = (kind: string) => now - Number(got.find((r) => r.kind === kind)?.ms);
  assert.ok(Math.abs(ago('skew') - 60_000) < 5_000, `skew-corrected: ${ago('skew')} ms ago`);
  assert.ok(Math.abs(ago('offset') - 120_000) < 5_000, `offset: ${ago('offset')} ms ago`);
});

test('bad keys and unmappable events are refused and quarantined', async () => {
  const unknown = await t.post('/batch/', { api_key: 'wk_nope', batch: [{ event: 'x', distinct_id: 'd' }] });
  assert.equal(unknown.status, 401);
  const missing = await t.post('/e/', [{ event: 'x', distinct_id: 'd' }]);
  assert.equal(missing.status, 401);
  const mixed = await t.post('/e/', {
    api_key: t.project.writeKey,
    batch: [{ event: 'kept', distinct_id: 'q1' }, { event: 'no id', properties: {} }, { distinct_id: 'q1' }],
  });
  assert.equal(mixed.status, 200);
  assert.deepEqual((mixed.json.rejected as Array<{ index: number; reason: string }>).map((r) => [r.index, r.reason]), [[1, 'missing_distinct_id'], [2, 'missing_event']]);
  const none = await t.post('/e/', { api_key: t.project.writeKey, batch: [{ event: 'no id' }] });
  assert.equal(none.status, 400);
  const broken = await fetch(t.app.url + '/e/?compression=gzip-js', { method: 'POST', body: Buffer.from([0x1f, 0x8b, 1, 2, 3]) });
  assert.equal(broken.status, 400);
  await t.loaded();
  const reasons = await t.app.store.query<{ reason: string; n: string }>(
    `SELECT reason, toString(count()) AS n FROM ${db()}.rejected_events GROUP BY reason ORDER BY reason`);
  assert.deepEqual(Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])), {
    invalid_request: 1, missing_distinct_id: 2, missing_event: 1, missing_write_key: 1, unknown_write_key: 1,
  });
  const [payload] = await t.app.store.query<{ payload: string }>(
    `SELECT payload FROM ${db()}.rejected_events WHERE reason = 'missing_event'`);
  assert.deepEqual(JSON.parse(payload!.payload), { distinct_id: 'q1' });
});

test('flags, decide and remote config: no flags, capture pointed back here, no recording or surveys', async () => {
  for (const path of ['/flags/?v=2', '/flags?v=4&config=true', '/decide/?v=3', '/decide?v=2&ip=1&_=1700000000000']) {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(t.app.url + path, { method, ...(method === 'POST' ? { body: JSON.stringify({ token: t.project.writeKey, distinct_id: 'd' }), headers: { 'content-type': 'application/json' } } : {}) });
      assert.equal(res.status, 200, `${method} ${path}`);
      const json = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(json.featureFlags, {});
      assert.deepEqual(json.flags, {});
      assert.equal(json.errorsWhileComputingFlags, false);
      if (path.startsWith('/decide') || path.includes('config=true')) {
        assert.equal(json.sessionRecording, false);
        assert.equal(json.surveys, false);
        assert.deepEqual(json.analytics, { endpoint: '/e/' });
      }
    }
  }
  const bad = await fetch(t.app.url + '/flags/?v=2', { method: 'POST', body: JSON.stringify({ token: 'wk_nope' }) });
  assert.equal(bad.status, 401);

  const config = await t.get(`/array/${t.project.writeKey}/config`);
  assert.equal(config.status, 200);
  assert.equal(config.json.token, t.project.writeKey);
  assert.equal(config.json.sessionRecording, false);
  assert.equal(config.json.surveys, false);
  assert.equal(config.json.hasFeatureFlags, false);
  assert.deepEqual(config.json.analytics, { endpoint: '/e/' });
  assert.ok((config.json.supportedCompression as string[]).includes('gzip-js'));

  const js = await fetch(`${t.app.url}/array/${t.project.writeKey}/config.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  const window: { _POSTHOG_REMOTE_CONFIG?: Record<string, { config: Record<string, unknown> }> } = {};
  new Function('window', await js.text())(window);
  assert.deepEqual(window._POSTHOG_REMOTE_CONFIG?.[t.project.writeKey]?.config, config.json);
  assert.equal((await fetch(`${t.app.url}/array/wk_nope/config`)).status, 404);
});
