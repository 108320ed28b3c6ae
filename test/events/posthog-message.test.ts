import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posthogEventToSegment } from '../../src/events/posthog-message.js';

const ctx = { receivedAt: Date.parse('2024-05-01T12:00:00.000Z'), sentAt: '2024-05-01T12:00:05.000Z' };

function messages(event: unknown, c = ctx) {
  const out = posthogEventToSegment(event, c);
  assert.ok(out.ok, JSON.stringify(out));
  return out.messages;
}

test('$identify links the anonymous id to the user; $set wins over $set_once, top level over properties', () => {
  const [m, ...rest] = messages({
    event: '$identify', distinct_id: 'u1', uuid: 'id-1', timestamp: '2024-05-01T12:00:04.000Z',
    $set: { plan: 'pro' }, $set_once: { first: 'top', plan: 'free' },
    properties: { $anon_distinct_id: 'anon-1', $set: { plan: 'team', age: 3 }, $set_once: { first: 'props', ref: 'x' }, token: 'wk_1', $lib: 'web', $lib_version: '1.2' },
  });
  assert.equal(rest.length, 0);
  assert.deepEqual(m, {
    type: 'identify', userId: 'u1', anonymousId: 'anon-1', messageId: 'id-1',
    timestamp: '2024-05-01T12:00:04.000Z', sentAt: '2024-05-01T12:00:05.000Z',
    traits: { first: 'top', plan: 'pro', ref: 'x', age: 3 },
    properties: { $anon_distinct_id: 'anon-1', $lib: 'web', $lib_version: '1.2' },
    context: { library: { name: 'web', version: '1.2' } },
  });
});

test('distinct_id is the anonymous id only when the SDK says so', () => {
  const one = (properties: Record<string, unknown>) => messages({ event: 'e', distinct_id: 'd', properties })[0]!;
  assert.equal(one({ $is_identified: false }).anonymousId, 'd');
  assert.equal(one({ $is_identified: true, $device_id: 'd' }).userId, 'd');
  assert.equal(one({ $device_id: 'd' }).anonymousId, 'd');
  assert.equal(one({ $device_id: 'other' }).userId, 'd');
  assert.equal(one({}).userId, 'd');
  // posthog-js puts distinct_id in the properties
  assert.equal(messages({ event: 'e', properties: { distinct_id: 'p' } })[0]!.userId, 'p');
});

test('$create_alias joins the alias to distinct_id; $pageview is a page with its context', () => {
  assert.deepEqual(messages({ event: '$create_alias', distinct_id: 'u1', properties: { alias: 'old' } })[0], {
    type: 'alias', userId: 'u1', previousId: 'old', properties: { alias: 'old' }, context: {},
  });
  const page = messages({
    event: '$pageview', distinct_id: 'a', properties: {
      $is_identified: false, $current_url: 'https://s.test/a?utm_source=x', $pathname: '/a', $referrer: '$direct', title: 'A',
      $raw_user_agent: 'UA', $browser_language: 'de-DE', $os: 'Mac OS X', $device_type: 'Desktop', $screen_width: 800, utm_source: 'x',
    },
  })[0]!;
  assert.equal(page.type, 'page');
  assert.deepEqual(page.context, {
    page: { url: 'https://s.test/a?utm_source=x', path: '/a', title: 'A' }, os: { name: 'Mac OS X' }, device: { type: 'Desktop' },
    screen: { width: 800 }, campaign: { source: 'x' }, userAgent: 'UA', locale: 'de-DE',
  });
});

test('$set on another event adds an identify unless person processing is off', () => {
  const [track, set] = messages({ event: 'Bought', distinct_id: 'u', uuid: 'x1', properties: { $set: { vip: true } } });
  assert.equal(track!.type, 'track');
  assert.deepEqual([set!.type, set!.userId, set!.messageId, set!.traits], ['identify', 'u', 'x1:set', { vip: true }]);
  assert.equal(messages({ event: 'Bought', distinct_id: 'u', properties: { $set_once: { a: 1 }, $process_person_profile: false } }).length, 1);
});

test('offset counts back from receipt; $ignore_sent_at and no timestamp leave sentAt out', () => {
  const [m] = messages({ event: 'e', distinct_id: 'd', offset: 1500, timestamp: '1999-01-01T00:00:00Z' });
  assert.deepEqual([m!.timestamp, m!.sentAt], ['2024-05-01T11:59:58.500Z', '2024-05-01T12:00:00.000Z']);
  assert.equal(messages({ event: 'e', distinct_id: 'd', timestamp: '2024-05-01T00:00:00Z', properties: { $ignore_sent_at: true } })[0]!.sentAt, undefined);
  assert.equal(messages({ event: 'e', distinct_id: 'd' })[0]!.sentAt, undefined);
});

test('events that cannot be mapped say why', () => {
  const reason = (e: unknown) => {
    const out = posthogEventToSegment(e, ctx);
    return out.ok ? 'ok' : out.reason;
  };
  assert.equal(reason([]), 'not_an_object');
  assert.equal(reason({ distinct_id: 'd' }), 'missing_event');
  assert.equal(reason({ event: 'e', distinct_id: '  ' }), 'missing_distinct_id');
  assert.equal(reason({ event: '$create_alias', distinct_id: 'd', properties: {} }), 'missing_alias');
  assert.equal(reason({ event: '$groupidentify', distinct_id: 'd', properties: {} }), 'missing_group_key');
});
