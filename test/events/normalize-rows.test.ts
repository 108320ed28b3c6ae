import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeBatch, normalizeMessage, type NormalizeContext, type NormalizeResult } from '../../src/events/normalize.js';
import type { EventRow } from '../../src/events/event-row.js';

const receivedAt = Date.UTC(2024, 0, 10, 12);
const ctx: NormalizeContext = { projectId: 'p1', receivedAt };
const HOUR = 3_600_000;

function row(r: NormalizeResult): EventRow {
  if (!r.ok) assert.fail(`expected a row, got ${r.reason}: ${r.errors.join('; ')}`);
  return r.row;
}
const track = (extra: Record<string, unknown>): EventRow =>
  row(normalizeMessage({ type: 'track', event: 'e', userId: 'u', ...extra }, ctx));

test('a full track call becomes the row a reader can check by eye', () => {
  const r = row(normalizeMessage({
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'msg-1',
    timestamp: '2024-01-10T11:00:00.000Z',
    sentAt: '2024-01-10T11:30:00.000Z',
    properties: { revenue: 19.9, currency: 'EUR', coupon: null, items: [{ sku: 'a' }] },
    context: {
      ip: '203.0.113.7',
      locale: 'de-DE',
      location: { country: 'Germany', city: 'Berlin' },
      page: { url: 'https://shop.example/cart?utm_source=newsletter&utm_medium=email&utm_campaign=winter', title: 'Cart' },
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      traits: { plan: 'pro' },
    },
  }, ctx));
  assert.deepEqual({ ...r, event_id: 'checked below' }, {
    project_id: 'p1',
    event_id: 'checked below',
    type: 'track',
    event: 'Order Completed',
    person_id: 'user-1',
    anonymous_id: 'anon-1',
    user_id: 'user-1',
    timestamp: '2024-01-10 11:30:00.000',
    received_at: '2024-01-10 12:00:00.000',
    sent_at: '2024-01-10 11:30:00.000',
    timestamp_clamped: false,
    page_url: 'https://shop.example/cart?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
    page_path: '/cart',
    page_referrer: '',
    page_title: 'Cart',
    device_type: 'desktop',
    os: 'Windows',
    browser: 'Chrome',
    channel: 'email',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'winter',
    country: 'Germany',
    locale: 'de-DE',
    properties: { revenue: '19.9', currency: 'EUR', items: '[{"sku":"a"}]' },
    traits: { plan: 'pro' },
    context: JSON.stringify({
      ip: '203.0.113.7',
      location: { city: 'Berlin' },
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
    }),
  });
  assert.match(r.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('event names: track name, page_view, screen_view, identify, alias, group', () => {
  const base = { userId: 'u' };
  const cases: Array<[Record<string, unknown>, string, Record<string, string>]> = [
    [{ type: 'track', event: 'Clicked' }, 'Clicked', {}],
    [{ type: 'page', name: 'Pricing', category: 'Docs', properties: { name: 'ignored', path: '/p' } }, 'page_view', { name: 'Pricing', category: 'Docs', path: '/p' }],
    [{ type: 'page', properties: { name: 'From properties' } }, 'page_view', { name: 'From properties' }],
    [{ type: 'screen', name: 'Settings' }, 'screen_view', { name: 'Settings' }],
    [{ type: 'identify', traits: { email: 'a@b.c' } }, 'identify', {}],
    [{ type: 'alias', previousId: 42 }, 'alias', { previousId: '42' }],
    [{ type: 'group', groupId: 'acme', properties: { groupId: 'spoofed' } }, 'group', { groupId: 'acme' }],
  ];
  for (const [msg, event, properties] of cases) {
    const r = row(normalizeMessage({ ...base, ...msg }, ctx));
    assert.equal(r.event, event);
    assert.equal(r.type, msg.type);
    assert.deepEqual(r.properties, properties);
  }
  assert.deepEqual(row(normalizeMessage({ ...base, type: 'identify', traits: { email: 'a@b.c' } }, ctx)).traits, { email: 'a@b.c' });
});

test('the endpoint type wins over the body type; a batch item type is case-insensitive', () => {
  assert.equal(row(normalizeMessage({ type: 'identify', userId: 'u', name: 'Home' }, { ...ctx, type: 'page' })).event, 'page_view');
  assert.equal(normalizeBatch({ batch: [{ type: 'Track', event: 'e', userId: 'u' }] }, ctx).rows[0]?.type, 'track');
});

test('person_id is userId, else anonymousId; numeric ids become their text', () => {
  assert.deepEqual(pick(track({ userId: 12, anonymousId: 3.5 })), { person_id: '12', user_id: '12', anonymous_id: '3.5' });
  const anon = row(normalizeMessage({ type: 'track', event: 'e', anonymousId: 'a-1', userId: null }, ctx));
  assert.deepEqual(pick(anon), { person_id: 'a-1', user_id: '', anonymous_id: 'a-1' });
  function pick(r: EventRow) {
    return { person_id: r.person_id, user_id: r.user_id, anonymous_id: r.anonymous_id };
  }
});

test('clock skew: timestamp = receivedAt − (sentAt − timestamp)', () => {
  // The device clock runs 2 h fast: it says it sent at 14:00 what happened at 13:59.
  const r = track({ timestamp: '2024-01-10T13:59:00Z', sentAt: '2024-01-10T14:00:00Z' });
  assert.equal(r.timestamp, '2024-01-10 11:59:00.000');
  assert.equal(r.sent_at, '2024-01-10 14:00:00.000');
  assert.equal(r.timestamp_clamped, false);
});

test('times: no timestamp → receivedAt; originalTimestamp is corrected like timestamp; offsets and date-only parse', () => {
  assert.equal(track({}).timestamp, '2024-01-10 12:00:00.000');
  assert.equal(track({ sentAt: '2024-01-10T11:00:00Z' }).timestamp, '2024-01-10 12:00:00.000');
  assert.equal(track({ originalTimestamp: '2024-01-10T10:00:00Z', sentAt: '2024-01-10T10:30:00Z' }).timestamp, '2024-01-10 11:30:00.000');
  assert.equal(track({ timestamp: '2024-01-09T10:00:00+02:00' }).timestamp, '2024-01-09 08:00:00.000');
  assert.equal(track({ timestamp: '2024-01-09T10:00:00.123456-0130' }).timestamp, '2024-01-09 11:30:00.123');
  assert.equal(track({ timestamp: '2024-01-09' }).timestamp, '2024-01-09 00:00:00.000');
  assert.equal(track({ timestamp: '2024-01-09 10:00:00' }).timestamp, '2024-01-09 10:00:00.000');
});

test('a timestamp more than 23 h ahead of receivedAt is clamped to receivedAt', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const edge = track({ timestamp: at(receivedAt + 23 * HOUR) });
  assert.deepEqual([edge.timestamp, edge.timestamp_clamped], ['2024-01-11 11:00:00.000', false]);
  const over = track({ timestamp: at(receivedAt + 23 * HOUR + 1) });
  assert.deepEqual([over.timestamp, over.timestamp_clamped], ['2024-01-10 12:00:00.000', true]);
  // Skew correction can push it there too: the device says it sent 2 days before the event.
  const skewed = track({ timestamp: '2024-01-12T12:00:00Z', sentAt: '2024-01-10T12:00:00Z' });
  assert.deepEqual([skewed.timestamp, skewed.timestamp_clamped], ['2024-01-10 12:00:00.000', true]);
});

test('historical imports use the timestamp as given, still clamping the future', () => {
  const imp = { ...ctx, historical: true };
  const r = row(normalizeMessage({ type: 'track', event: 'e', userId: 'u', timestamp: '2019-05-01T08:00:00Z', sentAt: '2024-01-10T11:00:00Z' }, imp));
  assert.equal(r.timestamp, '2019-05-01 08:00:00.000');
  const future = row(normalizeMessage({ type: 'track', event: 'e', userId: 'u', timestamp: '2030-01-01T00:00:00Z' }, imp));
  assert.deepEqual([future.timestamp, future.timestamp_clamped], ['2024-01-10 12:00:00.000', true]);
});

test('event_id follows (project, messageId): retries match, projects differ, 5 equals "5"', () => {
  const id = (projectId: string, msg: Record<string, unknown>) =>
    row(normalizeMessage({ type: 'track', event: 'e', userId: 'u', ...msg }, { ...ctx, projectId })).event_id;
  assert.equal(id('p1', { messageId: 'm-1' }), id('p1', { messageId: 'm-1', event: 'changed', timestamp: '2020-01-01' }));
  assert.notEqual(id('p1', { messageId: 'm-1' }), id('p2', { messageId: 'm-1' }));
  assert.notEqual(id('p1', { messageId: 'm-1' }), id('p1', { messageId: 'm-2' }));
  assert.equal(id('p1', { messageId: 5 }), id('p1', { messageId: '5' }));
  // Length-prefixed project: ("a:m", "x") and ("a", "m:x")-style splits cannot collide.
  assert.notEqual(id('a:m', { messageId: 'x' }), id('a', { messageId: 'm:x' }));
});

test('without messageId, event_id hashes the message: key order and sentAt do not matter, content does', () => {
  const id = (raw: string) => row(normalizeMessage(JSON.parse(raw), ctx)).event_id;
  const a = id('{"type":"track","event":"e","userId":"u","properties":{"a":1,"b":2},"sentAt":"2024-01-10T11:00:00Z"}');
  const b = id('{"properties":{"b":2,"a":1},"userId":"u","event":"e","type":"track","sentAt":"2024-01-10T11:05:00Z"}');
  const c = id('{"type":"track","event":"e","userId":"u","properties":{"a":1,"b":3}}');
  assert.equal(a, b);
  assert.notEqual(a, c);
  // The hash does not depend on receivedAt, so a retry an hour later maps to the same id.
  const later = normalizeMessage(JSON.parse('{"type":"track","event":"e","userId":"u","properties":{"a":1,"b":2}}'), { ...ctx, receivedAt: receivedAt + HOUR });
  assert.equal(row(later).event_id, a);
});

test('property values: strings as is, numbers as JS text, booleans, JSON for objects, null skipped', () => {
  const r = track({ properties: JSON.parse('{"s":"x","i":3,"f":-0.25,"big":1e21,"t":true,"f2":false,"n":null,"o":{"k":[1,"2"]},"a":[],"":"empty key"}') });
  assert.deepEqual(r.properties, { s: 'x', i: '3', f: '-0.25', big: '1e+21', t: 'true', f2: 'false', o: '{"k":[1,"2"]}', a: '[]', '': 'empty key' });
});

test('hostile property names are ordinary keys, including __proto__', () => {
  const raw = JSON.parse('{"type":"track","event":"e","userId":"u","properties":{"__proto__":"p","constructor":1,"a.b":"dot","it\'s":"q","\\\\":"bs","\\n":"nl","😀":"emoji"}}');
  const r = row(normalizeMessage(raw, ctx));
  assert.deepEqual(Object.keys(r.properties).sort(), ['\n', "it's", '\\', '__proto__', 'a.b', 'constructor', '😀'].sort());
  assert.equal(Object.getPrototypeOf(r.properties), Object.prototype);
  assert.equal(JSON.parse(JSON.stringify(r.properties)).__proto__, 'p');
});

test('traits: the message traits win over context.traits, which leave the context column', () => {
  const r = row(normalizeMessage({ type: 'identify', userId: 'u', traits: { plan: 'pro', age: 30 }, context: { traits: { plan: 'free', email: 'a@b' }, ip: '1.2.3.4' } }, ctx));
  assert.deepEqual(r.traits, { plan: 'pro', age: '30', email: 'a@b' });
  assert.equal(r.context, '{"ip":"1.2.3.4"}');
  // context.traits apply to any call.
  assert.deepEqual(track({ context: { traits: { email: 'x' } } }).traits, { email: 'x' });
});

test('page columns: a page call\'s properties win over context.page; path comes from the URL when absent', () => {
  const p = row(normalizeMessage({
    type: 'page', userId: 'u',
    properties: { url: 'https://a.example/docs/intro?x=1', title: 'Intro' },
    context: { page: { url: 'https://stale.example/', referrer: 'https://ref.example/post', title: 'Stale' } },
  }, ctx));
  assert.deepEqual(
    [p.page_url, p.page_path, p.page_referrer, p.page_title],
    ['https://a.example/docs/intro?x=1', '/docs/intro', 'https://ref.example/post', 'Intro'],
  );
  // Copied leaves leave the context; the differing context.page.url and title stay.
  assert.equal(p.context, '{"page":{"url":"https://stale.example/","title":"Stale"}}');
  // A track call reads context.page only.
  const t = track({ properties: { url: 'https://ignored.example/' }, context: { page: { url: '/relative/path?q=1', path: '/given' } } });
  assert.deepEqual([t.page_url, t.page_path], ['/relative/path?q=1', '/given']);
});

test('utm columns: context.campaign first, else the page URL query', () => {
  const both = track({ context: { campaign: { source: 'fb', medium: 'social', name: 'spring', term: 't' }, page: { url: 'https://a.example/?utm_source=g&utm_medium=cpc&utm_campaign=c' } } });
  assert.deepEqual([both.utm_source, both.utm_medium, both.utm_campaign, both.channel], ['fb', 'social', 'spring', 'social']);
  assert.equal(JSON.parse(both.context).campaign.term, 't');
  assert.equal(JSON.parse(both.context).campaign.source, undefined);
  const url = track({ context: { page: { url: 'https://a.example/?utm_source=g&utm_medium=cpc&utm_campaign=c' } } });
  assert.deepEqual([url.utm_source, url.utm_medium, url.utm_campaign, url.channel], ['g', 'cpc', 'c', 'paid']);
});

test('device, os, browser, country, locale from context, with user-agent fallbacks', () => {
  const ipad = 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
  const fromUa = track({ context: { userAgent: ipad } });
  assert.deepEqual([fromUa.device_type, fromUa.os, fromUa.browser], ['tablet', 'iOS', 'Safari']);
  const stated = track({ context: { userAgent: ipad, device: { type: 'Desktop' }, os: { name: 'Plan 9' }, location: { country: 'FR' }, locale: 'fr-FR' } });
  assert.deepEqual([stated.device_type, stated.os, stated.browser, stated.country, stated.locale], ['desktop', 'Plan 9', 'Safari', 'FR', 'fr-FR']);
  // Segment's mobile SDKs put the platform in device.type.
  assert.equal(track({ context: { device: { type: 'ios', model: 'iPhone15,2' } } }).device_type, 'mobile');
  assert.equal(track({ context: { device: { type: 'android', model: 'Galaxy Tab S9' } } }).device_type, 'tablet');
  assert.equal(track({ context: { device: { type: 'ios' } } }).context, '{"device":{"type":"ios"}}');
  assert.deepEqual([track({}).device_type, track({}).browser, track({}).os], ['', '', '']);
});

test('channel: properties.channel, then context.channel unless it names the SDK, then derived', () => {
  assert.equal(track({ properties: { channel: 'partner' }, context: { channel: 'tv' } }).channel, 'partner');
  assert.equal(track({ context: { channel: 'tv' } }).channel, 'tv');
  assert.equal(track({ context: { channel: 'server' } }).channel, 'direct');
  assert.equal(track({ context: { channel: 'server' } }).context, '{"channel":"server"}');
  assert.equal(track({ context: { page: { url: 'https://a.example/', referrer: 'https://www.bing.com/search?q=x' } } }).channel, 'search');
});

test('batch context and integrations reach every item; the item wins, context objects merge one level', () => {
  const r = normalizeBatch({
    batch: [
      { type: 'track', event: 'a', userId: 'u', context: { page: { title: 'Mine' }, locale: 'fr-FR' }, integrations: { Mixpanel: true } },
      { type: 'track', event: 'b', userId: 'u', context: null },
      { type: 'track', event: 'c', userId: 'u', context: { page: 'not an object' } },
    ],
    context: { page: { url: 'https://a.example/x', title: 'Batch' }, locale: 'en-US', library: { name: 'analytics-node' } },
    integrations: { All: false, Mixpanel: false },
    writeKey: 'ignored here',
  }, ctx);
  assert.equal(r.rejected.length, 0);
  const [a, b, c] = r.rows;
  assert.deepEqual([a?.page_url, a?.page_title, a?.locale], ['https://a.example/x', 'Mine', 'fr-FR']);
  assert.equal(a?.context, '{"library":{"name":"analytics-node"},"integrations":{"All":false,"Mixpanel":true}}');
  assert.deepEqual([b?.page_url, b?.page_title, b?.locale], ['https://a.example/x', 'Batch', 'en-US']);
  assert.equal(b?.context, '{"library":{"name":"analytics-node"},"integrations":{"All":false,"Mixpanel":false}}');
  assert.deepEqual([c?.page_url, c?.locale], ['', 'en-US']);
  assert.equal(JSON.parse(c?.context ?? '').page, 'not an object');
});

test('batch sentAt applies to items without their own', () => {
  const r = normalizeBatch({
    batch: [
      { type: 'track', event: 'a', userId: 'u', timestamp: '2024-01-10T10:00:00Z' },
      { type: 'track', event: 'b', userId: 'u', timestamp: '2024-01-10T10:00:00Z', sentAt: '2024-01-10T10:00:00Z' },
    ],
    sentAt: '2024-01-10T10:10:00Z',
  }, ctx);
  assert.deepEqual(r.rows.map((x) => [x.timestamp, x.sent_at]), [
    ['2024-01-10 11:50:00.000', '2024-01-10 10:10:00.000'],
    ['2024-01-10 12:00:00.000', '2024-01-10 10:00:00.000'],
  ]);
});
