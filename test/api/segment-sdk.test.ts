/** The official Segment Node SDK, unchanged, pointed at a Clickpath server. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('@segment/analytics-node delivers track, page, screen, identify, group and alias', async () => {
  const analytics = new Analytics({ writeKey: t.project.writeKey, host: t.app.url, flushAt: 5, flushInterval: 50, maxRetries: 1 });
  const failures: unknown[] = [];
  analytics.on('error', (err) => failures.push(err));
  analytics.identify({ userId: 'sdk-user', traits: { plan: 'pro', name: 'Zoë' } });
  analytics.track({ userId: 'sdk-user', event: 'Order Completed', properties: { revenue: 42.5, 'weird.key "quoted"': 'yes' } });
  analytics.page({ userId: 'sdk-user', name: 'Pricing', properties: { url: 'https://shop.test/pricing', path: '/pricing' } });
  analytics.screen({ anonymousId: 'device-1', name: 'Map' });
  analytics.group({ userId: 'sdk-user', groupId: 'acme', traits: { employees: 10 } });
  analytics.alias({ userId: 'sdk-user', previousId: 'device-1' });
  for (let i = 0; i < 20; i++) analytics.track({ anonymousId: 'device-1', event: 'Tick', properties: { i } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  assert.deepEqual(failures, []);
  await t.loaded();
  const status = await t.get('/v1/status', t.bearer());
  assert.equal(status.json.eventsStored, 26);
  const [order] = await t.app.store.query<{ revenue: string; weird: string; lib: string }>(
    `SELECT properties['revenue'] AS revenue, properties[{k:String}] AS weird, JSONExtractString(context, 'library', 'name') AS lib
     FROM ${t.app.store.database}.events WHERE event = 'Order Completed'`,
    { k: 'weird.key "quoted"' },
  );
  assert.deepEqual(order, { revenue: '42.5', weird: 'yes', lib: '@segment/analytics-node' });
});
