/**
 * What the collector acknowledges is what the engine stores: any string (lone surrogates,
 * control characters, quotes, backslashes, emoji) in an event name, an id, a property key or
 * value goes through parse → normalize → log record → the engine's JSON input, and reads back
 * as the same string made well-formed (each lone surrogate U+FFFD), never refused, never altered
 * otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { prepareRecord } from '../../src/collector/prepare-record.js';
import { decodeForLoad, withLogPosition } from '../../src/records/log-record.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const anyString = fc.string({ unit: 'binary', minLength: 1, maxLength: 24 });

test('arbitrary strings round-trip through the collector encoding and the engine', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(anyString, anyString, anyString, anyString, async (event, userId, key, value) => {
      fc.pre(event.trim() !== '');
      const project = `rt-${++n}`;
      const body = Buffer.from(JSON.stringify({ type: 'track', event, userId, properties: { [key]: value }, context: { page: { url: value } } }), 'utf8');
      const prepared = prepareRecord(body, { projectId: project, receivedAt: Date.UTC(2026, 0, 1), type: 'track', source: 'http' });
      assert.equal(prepared.kind, 'record');
      if (prepared.kind !== 'record') return;
      assert.equal(prepared.accepted, 1, JSON.stringify(prepared.rejected));
      const record = decodeForLoad(prepared.record, n);
      await store.insertJsonRows('events', record.rows.map((r) => withLogPosition(r, n)).join('\n'));
      const rows = await store.query<{ event: string; user_id: string; props: Record<string, string>; url: string }>(
        `SELECT event, user_id, properties AS props, page_url AS url FROM ${store.database}.events WHERE project_id = {p:String}`, { p: project });
      assert.equal(rows.length, 1);
      const clean = (s: string) => s.toWellFormed();
      const expectedKey = clean(key) === '__proto__' ? undefined : clean(key);
      assert.equal(rows[0]?.event, clean(event));
      assert.equal(rows[0]?.user_id, clean(userId));
      if (expectedKey !== undefined) assert.equal(rows[0]?.props[expectedKey], clean(value));
    }),
    { numRuns: 200, seed: Number(process.env.FC_SEED ?? 4242) },
  );
});
