/**
 * Counting by session end to end: events sent through the collector, the funnel asked over HTTP
 * with the secret key, and the CLI's flags turned into the same definition.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { funnelFromFlags } from '../../../src/cli/commands/funnel.command.js';

let t: TestApp;
before(async () => (t = await startTestApp()));
after(async () => t.close());

const MIN = 60_000;

test('POST /v1/query/funnel counts sessions; a bad session rule is a 400 naming it', async () => {
  const t0 = Date.UTC(2024, 4, 1, 9);
  // Rider r1 looks at the map twice, 40 minutes apart, and books in the second session only;
  // r2 looks and books in one session. By person: 2 looked, 2 booked. By session: 3 looked, 2 booked.
  const events = [
    ['r1', 'map_viewed', t0], ['r1', 'map_viewed', t0 + 40 * MIN], ['r1', 'ride_started', t0 + 45 * MIN],
    ['r2', 'map_viewed', t0], ['r2', 'ride_started', t0 + 10 * MIN],
  ] as const;
  const batch = events.map(([userId, event, ts], i) => ({ type: 'track', userId, event, messageId: `s-${i}`, timestamp: new Date(ts).toISOString() }));
  assert.equal((await t.post('/v1/batch', { batch }, t.basic())).status, 200);
  await t.loaded();
  const steps = [{ event: 'map_viewed' }, { event: 'ride_started' }];
  const byPerson = await t.post('/v1/query/funnel', { steps, window: '1h' }, t.bearer());
  assert.equal(byPerson.status, 200, JSON.stringify(byPerson.json));
  const counts = (json: Record<string, unknown>) => (json.steps as Array<{ persons: number }>).map((s) => s.persons);
  assert.deepEqual(counts(byPerson.json), [2, 2]);
  const bySession = await t.post('/v1/query/funnel', { steps, window: '1h', unit: 'session', session: { timeout: '30m' } }, t.bearer());
  assert.equal(bySession.status, 200, JSON.stringify(bySession.json));
  assert.deepEqual(counts(bySession.json), [3, 2]);
  const bad = await t.post('/v1/query/funnel', { steps, unit: 'session', session: { timeout: 'later' } }, t.bearer());
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.json), /session\.timeout/);
});

test('clickpath funnel --unit session --session-timeout 15m', () => {
  assert.deepEqual(funnelFromFlags({ steps: 'map_viewed,ride_started', unit: 'session', sessionTimeout: '15m' }), {
    steps: [{ event: 'map_viewed' }, { event: 'ride_started' }],
    unit: 'session',
    session: { timeout: '15m' },
  });
});
