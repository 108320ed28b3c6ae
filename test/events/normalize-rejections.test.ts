import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeBatch, normalizeMessage, type NormalizeContext, type NormalizeResult } from '../../src/events/normalize.js';

const ctx: NormalizeContext = { projectId: 'p1', receivedAt: Date.UTC(2024, 0, 10, 12) };

function rejected(r: NormalizeResult): { reason: string; errors: string[] } {
  assert.equal(r.ok, false, `expected a rejection, got ${JSON.stringify(r)}`);
  return r as { ok: false; reason: string; errors: string[] };
}

test('a message that is not an object is rejected at the root path', () => {
  for (const raw of ['track', 42, null, [{ type: 'track' }], true, undefined]) {
    const r = rejected(normalizeMessage(raw, ctx));
    assert.equal(r.reason, 'not_an_object');
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0] ?? '', /^body: expected a JSON object/);
  }
});

test('a message without userId and anonymousId is rejected', () => {
  for (const ids of [{}, { userId: null, anonymousId: null }, { userId: '', anonymousId: '' }]) {
    const r = rejected(normalizeMessage({ type: 'track', event: 'x', ...ids }, ctx));
    assert.equal(r.reason, 'missing_identity');
    assert.deepEqual(r.errors, ['userId: userId or anonymousId is required']);
  }
  const forced = rejected(normalizeMessage({ traits: { a: 1 } }, { ...ctx, type: 'identify' }));
  assert.equal(forced.reason, 'missing_identity');
});

test('alias needs previousId and userId; anonymousId does not stand in for userId', () => {
  const noPrevious = rejected(normalizeMessage({ type: 'alias', userId: 'u1' }, ctx));
  assert.equal(noPrevious.reason, 'missing_previous_id');
  assert.deepEqual(noPrevious.errors, ['previousId: required for alias']);
  const noUser = rejected(normalizeMessage({ type: 'alias', previousId: 'a1', anonymousId: 'a1' }, ctx));
  assert.equal(noUser.reason, 'missing_identity');
  assert.deepEqual(noUser.errors, ['userId: required for alias']);
  const neither = rejected(normalizeMessage({ type: 'alias' }, ctx));
  assert.deepEqual(neither.errors, ['userId: required for alias', 'previousId: required for alias']);
});

test('group needs a groupId', () => {
  const r = rejected(normalizeMessage({ type: 'group', userId: 'u1', traits: { name: 'Acme' } }, ctx));
  assert.equal(r.reason, 'missing_group_id');
  assert.deepEqual(r.errors, ['groupId: required for group']);
});

test('track needs a non-empty event string', () => {
  const cases: Array<[unknown, string, string]> = [
    [undefined, 'missing_event', 'event: required for track'],
    [null, 'missing_event', 'event: required for track'],
    ['', 'missing_event', 'event: required for track'],
    ['   ', 'missing_event', 'event: must not be blank'],
    [42, 'invalid_event', 'event: must be a non-empty string, got 42'],
    [{ name: 'x' }, 'invalid_event', 'event: must be a non-empty string, got {"name":"x"}'],
  ];
  for (const [event, reason, error] of cases) {
    const r = rejected(normalizeMessage({ type: 'track', userId: 'u', event }, ctx));
    assert.equal(r.reason, reason);
    assert.deepEqual(r.errors, [error]);
  }
  // Other types ignore `event`.
  assert.equal(normalizeMessage({ type: 'page', userId: 'u' }, ctx).ok, true);
});

test('ids must be strings or numbers', () => {
  for (const [field, value] of [['userId', true], ['anonymousId', { a: 1 }], ['messageId', [1]], ['groupId', false]] as const) {
    const r = rejected(normalizeMessage({ type: 'group', userId: 'u', groupId: 'g', [field]: value }, ctx));
    assert.equal(r.reason, 'invalid_id');
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0] ?? '', new RegExp(`^${field}: must be a string or number, got `));
  }
});

test('a malformed userId is reported as malformed, not also as missing', () => {
  const r = rejected(normalizeMessage({ type: 'track', event: 'e', userId: {} }, ctx));
  assert.deepEqual(r.errors, ['userId: must be a string or number, got {}']);
});

test('messageId may be 100 characters, not 101', () => {
  assert.equal(normalizeMessage({ type: 'track', event: 'e', userId: 'u', messageId: 'm'.repeat(100) }, ctx).ok, true);
  const r = rejected(normalizeMessage({ type: 'track', event: 'e', userId: 'u', messageId: 'm'.repeat(101) }, ctx));
  assert.equal(r.reason, 'message_id_too_long');
  assert.deepEqual(r.errors, ['messageId: longer than 100 characters (101)']);
});

test('unparsable timestamp, sentAt and originalTimestamp are rejected with the field in reason and path', () => {
  for (const field of ['timestamp', 'sentAt', 'originalTimestamp'] as const) {
    for (const value of ['yesterday', '2024-13-01T00:00:00Z', '2023-02-29', '2024-01-01T24:00:00Z', '1', 1704067200000, true]) {
      const r = rejected(normalizeMessage({ type: 'track', event: 'e', userId: 'u', [field]: value }, ctx));
      assert.equal(r.reason, `invalid_${field}`, `${field}=${String(value)}`);
      assert.equal(r.errors.length, 1);
      assert.ok(r.errors[0]?.startsWith(`${field}: `), r.errors[0]);
    }
  }
});

test('times outside the storable range are rejected', () => {
  const r = rejected(normalizeMessage({ type: 'track', event: 'e', userId: 'u', timestamp: '1969-12-31T23:59:59.999Z' }, ctx));
  assert.equal(r.reason, 'timestamp_out_of_range');
  assert.match(r.errors[0] ?? '', /^timestamp: .*outside the storable range 1970-01-01T00:00:00Z\.\.2299-12-31/);
  assert.equal(normalizeMessage({ type: 'track', event: 'e', userId: 'u', timestamp: '1970-01-01T00:00:00Z' }, ctx).ok, true);
  for (const t of ['0001-01-01T00:00:00Z', '1899-12-31T23:59:59Z', '2300-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
    assert.equal(rejected(normalizeMessage({ type: 'track', event: 'e', userId: 'u', timestamp: t }, { ...ctx, historical: true })).reason, 'timestamp_out_of_range', t);
  }
  // Skew correction that lands before 1970 is rejected too, naming the field it came from.
  const skew = rejected(normalizeMessage(
    { type: 'track', event: 'e', userId: 'u', timestamp: '1970-01-01T00:00:00Z', sentAt: '2200-01-01T00:00:00Z' }, ctx));
  assert.equal(skew.reason, 'timestamp_out_of_range');
  assert.deepEqual(skew.errors, ['timestamp: corrected by sentAt it falls outside 1970-01-01T00:00:00Z..2299-12-31T23:59:59.999Z']);
});

test('a lone surrogate in any string becomes U+FFFD before the 200; a proper pair is kept', async () => {
  const { prepareRecord } = await import('../../src/collector/prepare-record.js');
  const { decodeRecord } = await import('../../src/records/log-record.js');
  const body = Buffer.from('{"type":"track","event":"bad\\ud800name","userId":"x\\udc00","properties":{"k\\ud83d":"v\\ud83d\\ude00"}}');
  const prepared = prepareRecord(body, { ...ctx, type: 'track', source: 'http' });
  assert.equal(prepared.kind, 'record');
  if (prepared.kind !== 'record') return;
  const [row] = decodeRecord(prepared.record, 0).events;
  assert.equal(row?.event, 'bad\ufffdname');
  assert.equal(row?.user_id, 'x\ufffd');
  assert.deepEqual(row?.properties, { 'k\ufffd': 'v\u{1f600}' });
});

test('nesting deeper than the limit rejects that message alone, with a storable payload', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const result = normalizeBatch({ batch: [{ type: 'track', event: 'ok', userId: 'a' }, { type: 'track', event: 'deep', userId: 'b', properties: { d: deep } }] }, ctx);
  assert.equal(result.rows.length, 1);
  assert.equal(result.rejected.length, 1);
  assert.equal(result.rejected[0]?.reason, 'too_deep');
  assert.match(result.rejected[0]?.errors[0] ?? '', /^batch\[1\]\.properties\.d\[0\]…: nested deeper than 64 levels/);
  assert.match(result.rejected[0]?.payload ?? '', /nested deeper than 64 levels: cut/);
});

test('non-object properties, traits, context and integrations are rejected; null is absent', () => {
  for (const field of ['properties', 'traits', 'context', 'integrations']) {
    const r = rejected(normalizeMessage({ type: 'track', event: 'e', userId: 'u', [field]: ['a'] }, ctx));
    assert.equal(r.reason, `invalid_${field}`);
    assert.deepEqual(r.errors, [`${field}: expected a JSON object, got ["a"]`]);
    assert.equal(normalizeMessage({ type: 'track', event: 'e', userId: 'u', [field]: null }, ctx).ok, true);
  }
});

test('a message over maxEventBytes is rejected as oversize, counting UTF-8 bytes', () => {
  const small = { ...ctx, maxEventBytes: 100 };
  const base = { type: 'track', event: 'e', userId: 'u', properties: { s: '' } };
  const baseBytes = JSON.stringify(base).length;
  const fits = { ...base, properties: { s: 'x'.repeat(100 - baseBytes) } };
  assert.equal(normalizeMessage(fits, small).ok, true);
  // Same number of characters, but "é" is two bytes in UTF-8.
  const over = { ...base, properties: { s: 'é'.repeat(100 - baseBytes) } };
  const r = rejected(normalizeMessage(over, small));
  assert.equal(r.reason, 'oversize');
  assert.match(r.errors[0] ?? '', /^body: \d+ bytes of JSON, over the 100-byte limit per message$/);
  assert.equal(normalizeMessage({ ...base, properties: { s: 'x'.repeat(40_000) } }, ctx).ok, false);
});

test('every problem of a message is listed; the reason is the first one', () => {
  const r = rejected(normalizeMessage({ type: 'track', userId: 7.5, messageId: 'm'.repeat(120), sentAt: 'soon' }, ctx));
  assert.equal(r.reason, 'missing_event');
  assert.deepEqual(r.errors, [
    'event: required for track',
    'messageId: longer than 100 characters (120)',
    'sentAt: unparsable ISO-8601 date "soon"',
  ]);
});

test('batch items are rejected with batch[i] paths and the good items survive', () => {
  const good = { type: 'track', event: 'ok', userId: 'u' };
  const body = {
    batch: [
      good,
      'nope',
      { type: 'bogus', userId: 'u' },
      { event: 'no type', userId: 'u' },
      { type: 'track', userId: 'u' },
      { type: 'track', event: 'e' },
      { type: 'track', event: 'e', userId: 'u', timestamp: 'later' },
      { ...good, event: 'ok2' },
    ],
  };
  const r = normalizeBatch(body, ctx);
  assert.deepEqual(r.rows.map((row) => row.event), ['ok', 'ok2']);
  assert.deepEqual(
    r.rejected.map(({ index, reason, errors }) => ({ index, reason, errors })),
    [
      { index: 1, reason: 'not_an_object', errors: ['batch[1]: expected a JSON object, got a string'] },
      { index: 2, reason: 'unknown_type', errors: ['batch[2].type: unknown message type "bogus"'] },
      { index: 3, reason: 'unknown_type', errors: ['batch[3].type: required'] },
      { index: 4, reason: 'missing_event', errors: ['batch[4].event: required for track'] },
      { index: 5, reason: 'missing_identity', errors: ['batch[5].userId: userId or anonymousId is required'] },
      { index: 6, reason: 'invalid_timestamp', errors: ['batch[6].timestamp: unparsable ISO-8601 date "later"'] },
    ],
  );
  assert.equal(r.rejected[1]?.payload, '{"type":"bogus","userId":"u"}');
  assert.equal(r.rejected[1]?.payloadTruncated, false);
});

test('the batch-level type of a single endpoint does not apply to batch items', () => {
  const r = normalizeBatch({ batch: [{ event: 'e', userId: 'u' }] }, { ...ctx, type: 'track' });
  assert.equal(r.rejected[0]?.reason, 'unknown_type');
});

test('an oversize batch item is rejected alone', () => {
  const r = normalizeBatch(
    { batch: [{ type: 'track', event: 'big', userId: 'u', properties: { s: 'x'.repeat(300) } }, { type: 'track', event: 'small', userId: 'u' }] },
    { ...ctx, maxEventBytes: 200 },
  );
  assert.deepEqual(r.rows.map((row) => row.event), ['small']);
  assert.equal(r.rejected[0]?.reason, 'oversize');
  assert.match(r.rejected[0]?.errors[0] ?? '', /^batch\[0\]: \d+ bytes of JSON, over the 200-byte limit per message$/);
});

test('quarantined payloads are truncated to maxPayloadChars without splitting a surrogate pair', () => {
  const item = { type: 'track', userId: 'u', properties: { s: '😀'.repeat(50) } };
  const text = JSON.stringify(item);
  const cut = text.indexOf('😀') + 3; // between the halves of the second emoji
  const r = normalizeBatch({ batch: [item] }, { ...ctx, maxPayloadChars: cut });
  const q = r.rejected[0];
  assert.equal(q?.payloadTruncated, true);
  assert.equal(q?.payload, text.slice(0, cut - 1));
  assert.equal(normalizeBatch({ batch: [item] }, { ...ctx, maxPayloadChars: text.length }).rejected[0]?.payloadTruncated, false);
});

test('an unusable envelope rejects the body as index -1', () => {
  const cases: Array<[unknown, string, string]> = [
    [[{ type: 'track' }], 'not_an_object', 'body: expected a JSON object with a "batch" array, got an array'],
    [{}, 'invalid_batch', 'batch: required (an array of messages)'],
    [{ batch: { type: 'track' } }, 'invalid_batch', 'batch: expected an array, got {"type":"track"}'],
    [{ batch: [], context: 'web' }, 'invalid_context', 'context: expected a JSON object, got "web"'],
    [{ batch: [], sentAt: 'now' }, 'invalid_sentAt', 'sentAt: unparsable ISO-8601 date "now"'],
  ];
  for (const [body, reason, error] of cases) {
    const r = normalizeBatch(body, ctx);
    assert.deepEqual(r.rows, []);
    assert.equal(r.rejected.length, 1);
    assert.equal(r.rejected[0]?.index, -1);
    assert.equal(r.rejected[0]?.reason, reason);
    assert.deepEqual(r.rejected[0]?.errors, [error]);
    assert.equal(r.rejected[0]?.payload, JSON.stringify(body));
  }
  assert.deepEqual(normalizeBatch({ batch: [] }, ctx), { rows: [], rejected: [] });
});
