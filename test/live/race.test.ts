/**
 * Counting while the loader runs: tiny, frequent loads race with queries, so queries regularly
 * meet a load that is in the store but not yet reported. No answer may exceed what was
 * acknowledged (a double count), answers never go down (a count lost and found again), and once
 * everything is loaded the answer is exact. Retried message ids ride along.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendBatch, startLiveApp, tailCaughtUp, type LiveTestApp, type SentEvent } from './live-test-kit.js';
import { HOUR_MS, windowRange } from '../../src/live/live-window.js';

let app: LiveTestApp;
before(async () => {
  app = await startLiveApp({ flushIntervalMs: 10, flushMaxEvents: 2 });
});
after(async () => app.close());

const VALUES = ['a', 'b', 'c'];

test('no double count, no step back, exact at rest, while loads race with queries', async () => {
  const project = await app.app.registry.create('live race');
  const acked = new Map(VALUES.map((v) => [v, 0]));
  const sentIds = new Set<string>();
  const readAll = async () => {
    const range = windowRange(Date.now(), HOUR_MS);
    const [counts] = await app.live.reader.counts(project.projectId, [{ event: 'detailsView', key: 'article_id', values: VALUES }], range);
    const top = await app.live.reader.top(project.projectId, { event: 'detailsView', key: 'article_id', range, limit: 10 });
    return { counts: new Map((counts ?? []).map((c) => [c.value!, c.count])), top: new Map(top.map((t) => [t.value, t.count])) };
  };

  const last = new Map(VALUES.map((v) => [v, 0]));
  const readAndCheck = async (): Promise<void> => {
    const seen = await readAll();
    for (const v of VALUES) {
      const c = seen.counts.get(v) ?? 0;
      const t = seen.top.get(v) ?? 0;
      assert.ok(c <= acked.get(v)!, `count of ${v} is ${c}, only ${acked.get(v)} were acknowledged`);
      assert.ok(t <= acked.get(v)!, `top count of ${v} is ${t}, only ${acked.get(v)} were acknowledged`);
      assert.ok(c >= last.get(v)!, `count of ${v} went down from ${last.get(v)} to ${c}`);
      last.set(v, c);
    }
  };

  const send = async (i: number): Promise<void> => {
    // Every fifth message repeats an earlier id: it must never be counted again.
    const n = i % 5 === 4 ? i - 3 : i;
    const value = VALUES[n % VALUES.length]!;
    const e: SentEvent = { event: 'detailsView', userId: `u${n % 7}`, messageId: `race-${n}`, timestamp: Date.now() - (n % 50) * 1000, properties: { article_id: value } };
    await sendBatch(app, project.writeKey, [e]);
    if (!sentIds.has(e.messageId)) {
      sentIds.add(e.messageId);
      acked.set(value, acked.get(value)! + 1);
    }
  };

  // Each query races the next acknowledgement and whatever the loader is doing meanwhile.
  for (let i = 0; i < 80; i++) await Promise.all([send(i), readAndCheck()]);
  await app.loaded();
  await tailCaughtUp(app);
  const final = await readAll();
  for (const v of VALUES) {
    assert.equal(final.counts.get(v), acked.get(v), `final count of ${v}`);
    assert.equal(final.top.get(v), acked.get(v), `final top count of ${v}`);
  }
  assert.ok(app.app.loader.stats().duplicatesSkipped > 0, 'the retries reached the loader');
});
