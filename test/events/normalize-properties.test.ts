import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUTURE_TOLERANCE_MS, normalizeBatch, normalizeMessage, type NormalizeContext } from '../../src/events/normalize.js';
import { toSqlTime, type EventRow } from '../../src/events/event-row.js';
import { MESSAGE_TYPES } from '../../src/events/segment-schema.js';
import { anyBody, hostileKey, hostileText, junk, segmentMessage } from './arbitraries.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SQL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const ERROR = /^(?:body|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*): \S/;

const ctxArb: fc.Arbitrary<NormalizeContext> = fc.record({
  projectId: fc.string({ minLength: 1, maxLength: 8 }),
  receivedAt: fc.integer({ min: Date.UTC(2024, 0, 8), max: Date.UTC(2024, 0, 12) }),
  maxEventBytes: fc.constantFrom(32_768, 400),
  maxPayloadChars: fc.constantFrom(8_192, 50),
  type: fc.option(fc.constantFrom(...MESSAGE_TYPES), { nil: undefined }),
  historical: fc.boolean(),
});

function assertWellFormedRow(r: EventRow): void {
  assert.match(r.event_id, UUID);
  assert.match(r.timestamp, SQL_TIME);
  assert.match(r.received_at, SQL_TIME);
  assert.ok(r.sent_at === null || SQL_TIME.test(r.sent_at));
  assert.ok(r.person_id !== '');
  assert.ok(r.event !== '');
  for (const map of [r.properties, r.traits]) {
    for (const v of Object.values(map)) assert.equal(typeof v, 'string');
  }
  assert.equal(typeof JSON.parse(r.context), 'object');
}

test('normalizeMessage never throws and returns a well-formed row or path-named errors', () => {
  fc.assert(
    fc.property(fc.oneof(anyBody, fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true })), ctxArb, (raw, ctx) => {
      const r = normalizeMessage(raw, ctx);
      if (r.ok) {
        assertWellFormedRow(r.row);
        assert.equal(r.row.project_id, ctx.projectId);
      } else {
        assert.ok(r.reason.length > 0);
        assert.ok(r.errors.length > 0);
        for (const e of r.errors) assert.match(e, ERROR);
      }
    }),
    { numRuns: 400 },
  );
});

test('normalizeBatch never throws, and every item ends up exactly once in rows or rejected', () => {
  const envelope = fc.record(
    { context: fc.oneof(fc.constant({ locale: 'en-US', page: { title: 'T' } }), junk), integrations: junk, sentAt: fc.oneof(fc.constant('2024-01-10T00:00:00Z'), junk), writeKey: junk },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(segmentMessage, anyBody), { maxLength: 12 }), envelope, ctxArb, (items, env, ctx) => {
      const r = normalizeBatch({ ...env, batch: items }, ctx);
      if (r.rejected[0]?.index === -1) {
        assert.deepEqual(r.rows, []);
        assert.equal(r.rejected.length, 1);
        return;
      }
      assert.equal(r.rows.length + r.rejected.length, items.length);
      const indices = r.rejected.map((x) => x.index);
      indices.forEach((index, k) => {
        assert.ok(index >= 0 && index < items.length);
        if (k > 0) assert.ok(index > (indices[k - 1] ?? -1));
      });
      for (const q of r.rejected) {
        for (const e of q.errors) assert.ok(e.startsWith(`batch[${q.index}]`), e);
        assert.ok(q.payload.length <= (ctx.maxPayloadChars ?? 8192));
      }
      r.rows.forEach(assertWellFormedRow);
    }),
    { numRuns: 200 },
  );
});

test('without an envelope, a batch gives exactly what each item gives on its own', () => {
  fc.assert(
    fc.property(fc.array(segmentMessage, { maxLength: 10 }), ctxArb, (items, ctx) => {
      const single = { ...ctx, type: undefined };
      const r = normalizeBatch({ batch: items }, ctx);
      const alone = items.map((item) => normalizeMessage(item, single));
      assert.deepEqual(r.rows, alone.flatMap((x) => (x.ok ? [x.row] : [])));
      assert.deepEqual(
        r.rejected.map((x) => [x.index, x.reason, x.errors]),
        alone.flatMap((x, i) => (x.ok ? [] : [[i, x.reason, x.errors.map((e) => prefixed(e, i))]])),
      );
    }),
    { numRuns: 150 },
  );
  function prefixed(error: string, i: number): string {
    return error.startsWith('body:') ? `batch[${i}]${error.slice(4)}` : `batch[${i}].${error}`;
  }
});

test('event_id is stable per (project, messageId) and differs across projects', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 100 }), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }),
      fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== ''),
      fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== ''),
      (messageId, projectA, projectB, eventA, eventB) => {
        fc.pre(projectA !== projectB);
        const at = (projectId: string, event: string, receivedAt: number) => {
          const r = normalizeMessage({ type: 'track', event, userId: 'u', messageId }, { projectId, receivedAt });
          assert.ok(r.ok);
          return r.row.event_id;
        };
        const first = at(projectA, eventA, Date.UTC(2024, 0, 1));
        assert.match(first, UUID);
        assert.equal(at(projectA, eventB, Date.UTC(2024, 0, 2)), first);
        assert.notEqual(at(projectB, eventA, Date.UTC(2024, 0, 1)), first);
      },
    ),
    { numRuns: 200 },
  );
});

test('clock skew: timestamp = receivedAt − (sentAt − timestamp), clamped beyond 23 h ahead; imports keep it', () => {
  const YEAR = 365 * 86_400_000;
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
      fc.integer({ min: -5 * YEAR, max: 5 * YEAR }),
      fc.oneof(fc.integer({ min: -3_600_000, max: 3_600_000 }), fc.integer({ min: -5 * YEAR, max: 5 * YEAR })),
      fc.boolean(),
      (receivedAt, tsOffset, sentOffset, historical) => {
        const ts = receivedAt + tsOffset;
        const sentAt = receivedAt + sentOffset;
        const raw = { type: 'track', event: 'e', userId: 'u', timestamp: new Date(ts).toISOString(), sentAt: new Date(sentAt).toISOString() };
        const r = normalizeMessage(raw, { projectId: 'p', receivedAt, historical });
        assert.ok(r.ok);
        const corrected = historical ? ts : receivedAt - (sentAt - ts);
        const clamped = corrected > receivedAt + FUTURE_TOLERANCE_MS;
        assert.equal(r.row.timestamp, toSqlTime(clamped ? receivedAt : corrected));
        assert.equal(r.row.timestamp_clamped, clamped);
        assert.equal(r.row.sent_at, toSqlTime(sentAt));
      },
    ),
    { numRuns: 300 },
  );
});

/** The documented encoding, written out independently of the implementation. */
function expectedEncoding(obj: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    Object.defineProperty(out, k, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

test('properties and traits keep hostile keys and unicode values exactly', () => {
  const values = fc.oneof(hostileText, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }));
  fc.assert(
    fc.property(fc.dictionary(hostileKey, values, { maxKeys: 8 }), fc.dictionary(hostileKey, values, { maxKeys: 4 }), (props, traits) => {
      const raw = JSON.parse(JSON.stringify({ type: 'identify', userId: 'u', properties: props, traits })) as Record<string, Record<string, unknown>>;
      const r = normalizeMessage(raw, { projectId: 'p', receivedAt: Date.UTC(2024, 0, 1) });
      assert.ok(r.ok);
      assert.deepEqual(r.row.properties, expectedEncoding(raw.properties ?? {}));
      assert.deepEqual(r.row.traits, expectedEncoding(raw.traits ?? {}));
      // The row survives its own JSON serialisation (what the loader sends to the store).
      assert.deepEqual(JSON.parse(JSON.stringify(r.row)), r.row);
    }),
    { numRuns: 200 },
  );
});
