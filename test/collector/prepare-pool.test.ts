import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PreparePool } from '../../src/collector/prepare-pool.js';
import { prepareRecord, type PrepareInput } from '../../src/collector/prepare-record.js';

const input: PrepareInput = { projectId: 'p1', receivedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678), historical: false, source: 'http' };

const message = fc.record({
  type: fc.constantFrom('track', 'page', 'identify', 'bogus'),
  event: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  userId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  anonymousId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  messageId: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: undefined }),
  timestamp: fc.option(fc.date({ min: new Date('2020-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
  properties: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean())),
}, { requiredKeys: ['type', 'properties'] });

test('records prepared on worker threads equal records prepared on the calling thread', async () => {
  // Inline threshold 0: every body, however small, goes to a worker.
  const pool = new PreparePool(2, 0);
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 30 }), fc.boolean(), async (batch, single) => {
        const body = Buffer.from(JSON.stringify(single ? batch[0] ?? {} : { batch }));
        const mode: PrepareInput = single ? { ...input, type: 'track' } : input;
        const expected = prepareRecord(body, mode);
        const got = await pool.prepare(body, mode);
        assert.equal(got.kind, expected.kind);
        if (got.kind === 'record' && expected.kind === 'record') {
          assert.equal(Buffer.from(got.record).toString('utf8'), Buffer.from(expected.record).toString('utf8'));
          assert.equal(got.accepted, expected.accepted);
          assert.deepEqual(got.rejected, expected.rejected);
        }
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 4242) },
    );
  } finally {
    await pool.close();
  }
});

test('a worker answers unreadable JSON with the message a client gets, and many requests at once in order', async () => {
  const pool = new PreparePool(2, 0);
  try {
    const bad = await pool.prepare(Buffer.from('{"batch": ['), input);
    assert.deepEqual(bad, prepareRecord(Buffer.from('{"batch": ['), input));
    assert.equal(bad.kind, 'invalid_json');
    const empty = await pool.prepare(Buffer.alloc(0), input);
    assert.deepEqual(empty, { kind: 'invalid_json', message: 'request body is empty; send a JSON object' });
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(JSON.stringify({ batch: [{ type: 'track', event: `e${i}`, userId: 'u', messageId: `m${i}` }] })));
    const results = await Promise.all(bodies.map((b) => pool.prepare(b, input)));
    results.forEach((r, i) => {
      assert.equal(r.kind, 'record');
      if (r.kind === 'record') assert.match(Buffer.from(r.record).toString('utf8'), new RegExp(`"event":"e${i}"`));
    });
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.prepare(Buffer.from('{}'), input), /shut down/);
});

test('small bodies are prepared on the calling thread, large ones on a worker, with the same result', async () => {
  const pool = new PreparePool(1, 64);
  try {
    const small = Buffer.from(JSON.stringify({ type: 'track', event: 'a', userId: 'u' }));
    const large = Buffer.from(JSON.stringify({ batch: Array.from({ length: 20 }, (_, i) => ({ type: 'track', event: `e${i}`, userId: 'u', messageId: `m${i}` })) }));
    assert.ok(small.length <= 64 && large.length > 64);
    for (const body of [small, large]) {
      const mode: PrepareInput = body === small ? { ...input, type: 'track' } : input;
      assert.deepEqual(await pool.prepare(body, mode), prepareRecord(body, mode));
    }
  } finally {
    await pool.close();
  }
});
