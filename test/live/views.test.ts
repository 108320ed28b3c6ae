/**
 * Live views against a tail that lags the store on purpose: the loader has stored records the
 * tail's floor does not show yet, which is what a view meets when a load lands between the tail's
 * report and the view's engine read. The view must count those events once (from the store), count
 * events after its read once (from the tail), and give way to the engine reader at floor 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendBatch, startLiveApp, type LiveTestApp, type SentEvent } from './live-test-kit.js';
import { ViewCache, type ViewTail } from '../../src/live/live-views.js';
import type { TailEvent } from '../../src/live/tail-index.js';
import { HOUR_MS, MINUTE_MS, windowRange } from '../../src/live/live-window.js';

let app: LiveTestApp;
before(async () => {
  app = await startLiveApp();
  await app.app.loader.stop();
});
after(async () => app.close());

/** A tail whose floor and events are set by the test, and whose followers the test feeds. */
class HandTail implements ViewTail {
  floor = 0;
  events: TailEvent[] = [];
  readonly listeners = new Set<(e: TailEvent) => void>();
  private resets = new Set<() => void>();

  follow(_projectId: string, listener: (e: TailEvent) => void) {
    this.listeners.add(listener);
    return { snapshot: { floor: this.floor, events: [...this.events] }, stop: () => this.listeners.delete(listener) };
  }

  onReset(listener: () => void) {
    this.resets.add(listener);
    return () => this.resets.delete(listener);
  }

  emit(e: TailEvent): void {
    for (const l of this.listeners) l(e);
  }

  reset(): void {
    for (const r of this.resets) r();
  }
}

/** Sends one batch and returns its events as the tail would report them (one record per batch). */
async function sendAt(projectWriteKey: string, events: SentEvent[]): Promise<TailEvent[]> {
  const position = app.app.log.endPosition();
  await sendBatch(app, projectWriteKey, events);
  return events.map((e) => ({ position, timestamp: e.timestamp, event: e.event, personId: e.userId, properties: e.properties }));
}

const view = (id: string, ts: number, value: string): SentEvent => ({ event: 'detailsView', userId: 'u', messageId: id, timestamp: ts, properties: { article_id: value } });

test('a load the floor does not show yet is counted once; later events are added; floor 0 gives way', async () => {
  const project = await app.app.registry.create('views lagging tail');
  const now = Date.now();
  // Edge minutes and the span between them all get events.
  const range = windowRange(now, HOUR_MS);
  const first = await sendAt(project.writeKey, [view('a1', range.from + 5, 'x'), view('a2', now - 30 * MINUTE_MS, 'x'), view('a3', now, 'y')]);
  await app.app.loader.drain();
  const second = await sendAt(project.writeKey, [view('b1', range.from, 'x'), view('b2', now - 10 * MINUTE_MS, 'y'), view('b3', now - 1, 'y')]);
  await app.app.loader.drain();

  const tail = new HandTail();
  const cache = new ViewCache(app.app.store, tail, () => now);
  const family = { event: 'detailsView', key: 'article_id' };
  assert.equal(await cache.window(project.projectId, family, range), null, 'floor 0: a view cannot vouch for position-0 rows');
  assert.equal(cache.size(), 0, 'a view that cannot answer is not kept');

  // The floor says only the first batch is stored, but the store holds both: the tail still
  // lists the second batch, which the views' reads already counted.
  tail.floor = first[0]!.position + 1;
  tail.events = [...second];
  const views = await cache.window(project.projectId, family, range);
  assert.ok(views, 'views answer once the floor is above 0');
  const count = (v: string) => views.first.count(v, range.from, range.to) + (views.span?.counts.get(v) ?? 0) + (views.last?.count(v, range.from, range.to) ?? 0);
  // b1 sits on the oldest instant the window includes, a3 on the newest.
  assert.deepEqual([count('x'), count('y')], [3, 3]);

  // Events after the reads arrive through the tail, once, in each part of the window.
  const third = await sendAt(project.writeKey, [view('c1', range.from + 1, 'x'), view('c2', now - 20 * MINUTE_MS, 'x'), view('c3', now - 2, 'y')]);
  for (const e of third) tail.emit(e);
  assert.deepEqual([count('x'), count('y')], [5, 4]);
  // A repeat report of an event the read already holds changes nothing.
  tail.emit(second[2]!);
  assert.deepEqual([count('x'), count('y')], [5, 4]);

  tail.reset();
  assert.equal(cache.size(), 0, 'a reset drops every view');
  cache.close();
});

test('an insert that one day of the store shows and another does not yet is counted once in each', async () => {
  const project = await app.app.registry.create('views partial insert');
  // A window across midnight UTC: one load carries events of both days. The tables are partitioned
  // by day, and an insert becomes visible one partition at a time.
  const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const end = midnight + 30 * MINUTE_MS;
  const range = windowRange(end, 2 * HOUR_MS);
  const before = await sendAt(project.writeKey, [view('d1', midnight - 80 * MINUTE_MS, 'x')]);
  await app.app.loader.drain();
  // d2 and d3 fall in the same read (whole minutes, either side of the hour read in between).
  const load = await sendAt(project.writeKey, [view('d2', midnight - 70 * MINUTE_MS, 'x'), view('d3', midnight + 10 * MINUTE_MS, 'x')]);
  await app.app.loader.drain();
  // The moment between the two partitions' commits: the new day's rows of that load are not there.
  const db = app.app.store.database;
  for (const table of ['live_minutes_by_time', 'live_hours_by_time']) {
    await app.app.store.exec(
      `ALTER TABLE ${db}.${table} DELETE WHERE project_id = {p:String} AND toDate(${table === 'live_hours_by_time' ? 'hour' : 'minute'}) = toDate(fromUnixTimestamp64Milli({m:Int64}, 'UTC')) SETTINGS mutations_sync = 2`,
      { p: project.projectId, m: midnight },
    );
  }
  const tail = new HandTail();
  tail.floor = before[0]!.position + 1;
  tail.events = [...load];
  const cache = new ViewCache(app.app.store, tail, () => end);
  const views = await cache.window(project.projectId, { event: 'detailsView', key: 'article_id' }, range);
  assert.ok(views);
  const count = views.first.count('x', range.from, range.to) + (views.span?.counts.get('x') ?? 0) + (views.last?.count('x', range.from, range.to) ?? 0);
  // d1 and d2 from the store (yesterday's partition), d3 from the tail (today's part not visible).
  assert.equal(count, 3);
  cache.close();
});
