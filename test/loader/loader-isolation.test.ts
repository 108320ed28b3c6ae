/**
 * Rows the engine refuses never stop loading: they are isolated into the quarantine with the
 * engine's reason, everything else in their range loads, exactly once, across crashes. Failures
 * that are not about the rows (a full disk) isolate nothing: the range waits and loads later.
 *
 * The refused rows here are written straight into the log, as a log written by an older
 * version can hold them (today the collector makes every string well-formed before the 200).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempStore } from '../helpers/temp-store.js';
import { tempLogDir } from '../log/log-test-dir.js';
import type { InsertOptions, Store } from '../../src/store/store.js';
import { SegmentLog } from '../../src/log/segment-log.js';
import { Loader } from '../../src/loader/loader.js';
import { encodeRecord } from '../../src/records/log-record.js';
import type { EventRow } from '../../src/events/event-row.js';
import { eventIdFromMessageId } from '../../src/events/event-id.js';
import { classifyInsertError } from '../../src/loader/engine-errors.js';
import { groupByPartition } from '../../src/loader/isolating-insert.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

let projectNo = 0;
const nextProject = (name: string) => `${name}-${++projectNo}`;

function event(project: string, n: number, extra: Partial<EventRow> = {}): EventRow {
  return {
    project_id: project, event_id: eventIdFromMessageId(project, `m-${n}`), type: 'track', event: 'numbered', person_id: `u${n % 3}`, anonymous_id: '', user_id: `u${n % 3}`,
    timestamp: '2026-01-01 10:00:00.000', received_at: '2026-01-02 10:00:00.000', sent_at: null, timestamp_clamped: false,
    page_url: '', page_path: '', page_referrer: '', page_title: '', device_type: '', os: '', browser: '', channel: '', utm_source: '', utm_medium: '', utm_campaign: '',
    country: '', locale: '', properties: { n: String(n) }, traits: {}, context: '', ...extra,
  };
}

/** The store, except that inserts into `table` fail with `message` while `failing()` says so. */
function faulty(inner: Store, table: string, message: string, failing: () => boolean): Store {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'insertJsonRows') return Reflect.get(target, prop, receiver) as unknown;
      return async (t: string, rows: string, options?: InsertOptions) => {
        if (t === table && failing()) throw new Error(message);
        return target.insertJsonRows(t, rows, options);
      };
    },
  }) as Store;
}

async function count(sql: string, params: Record<string, string>): Promise<number> {
  const rows = await store.query<{ n: number }>(sql.replaceAll('{db}', store.database), params);
  return rows[0]?.n ?? 0;
}

const eventsOf = (p: string) => count(`SELECT toUInt32(count()) AS n FROM {db}.events WHERE project_id = {p:String}`, { p });
const timelineOf = (p: string) => count(`SELECT toUInt32(count()) AS n FROM {db}.person_timeline WHERE project_id = {p:String}`, { p });
const refusedOf = (p: string) => count(`SELECT toUInt32(count()) AS n FROM {db}.rejected_events WHERE project_id = {p:String} AND source = 'loader'`, { p });

async function withLog(run: (log: SegmentLog, dir: string) => Promise<void>): Promise<void> {
  const { dir, dispose: disposeLog } = tempLogDir();
  const log = await SegmentLog.open(join(dir, 'log'));
  try {
    await run(log, dir);
  } finally {
    await log.close();
    disposeLog();
  }
}

test('a row with a lone surrogate is quarantined with the engine reason; the rest of its range, other projects included, loads', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('a');
    const b = nextProject('b');
    await log.append(encodeRecord({ v: 1, events: [event(a, 1), event(a, 2, { event: 'bad\ud800name' }), event(a, 3)], rejected: [] }));
    await log.append(encodeRecord({ v: 1, events: [event(b, 1, { event: 'sentinel' })], rejected: [] }));
    const loader = new Loader(log, store, { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 });
    await loader.recover();
    assert.equal(await loader.catchUp(), true);
    assert.equal(loader.stats().position, log.endPosition());
    assert.equal(await eventsOf(a), 2);
    assert.equal(await eventsOf(b), 1);
    const [q] = await store.query<{ reason: string; e: string; file: string; line: number; payload: string }>(
      `SELECT reason, errors[1] AS e, file, toUInt32(line) AS line, payload FROM ${store.database}.rejected_events WHERE project_id = {p:String}`, { p: a });
    assert.equal(q?.reason, 'engine_rejected');
    assert.match(q?.e ?? '', /^the engine refused this row for events: Code: 25\..*surrogate/);
    assert.equal(q?.file, 'events');
    assert.equal(q?.line, 1);
    assert.match(q?.payload ?? '', /"properties":\{"n":"2"\}/);
    assert.equal(loader.stats().refusedLoaded, 1);
  });
});

test('a crash after the refusal is quarantined, then a restart: every event and every refusal stored once', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('crash');
    await log.append(encodeRecord({ v: 1, events: [event(a, 1), event(a, 2, { user_id: 'x\ud800', person_id: 'x\ud800' }), event(a, 3)], rejected: [] }));
    const options = { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 };
    let armed = true;
    const crashing = faulty(store, 'event_ids', 'simulated crash before the id index', () => {
      const was = armed;
      armed = false;
      return was;
    });
    const first = new Loader(log, crashing, options);
    await first.recover();
    await assert.rejects(first.drain(), /simulated crash/);
    assert.equal(await refusedOf(a), 1);
    const second = new Loader(log, store, options);
    await second.recover();
    await second.drain();
    assert.equal(second.stats().position, log.endPosition());
    assert.equal(await eventsOf(a), 2);
    assert.equal(await refusedOf(a), 1);
  });
});

test('120 months in one record load: events inserts are split by month groups', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('months');
    const events = Array.from({ length: 120 }, (_, i) => {
      const d = new Date(Date.UTC(2010, i, 1, 12));
      return event(a, i, { timestamp: d.toISOString().replace('T', ' ').replace('Z', '') });
    });
    await log.append(encodeRecord({ v: 1, events, rejected: [] }));
    const loader = new Loader(log, store, { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 });
    await loader.recover();
    assert.equal(await loader.catchUp(), true, String(loader.stats().lastError));
    assert.equal(await eventsOf(a), 120);
    assert.equal(await refusedOf(a), 0);
  });
});

test('a full disk isolates nothing: the range waits, status says transient, and it loads once space returns', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('disk');
    await log.append(encodeRecord({ v: 1, events: [event(a, 1), event(a, 2)], rejected: [] }));
    let full = true;
    const disk = faulty(store, 'events', 'Code: 243. DB::Exception: Cannot reserve 1.03 MiB, not enough space. (NOT_ENOUGH_SPACE)', () => full);
    const options = { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 };
    const loader = new Loader(log, disk, options);
    await loader.recover();
    for (let i = 0; i < 4; i++) assert.equal(await loader.catchUp(), false);
    assert.equal(loader.stats().lastErrorKind, 'transient');
    assert.equal(loader.stats().failedAttempts, 4);
    assert.equal(await eventsOf(a), 0);
    assert.equal(await refusedOf(a), 0);
    // A restart while the disk is still full comes up (recover does not throw) and keeps the range.
    const restarted = new Loader(log, disk, options);
    await restarted.recover();
    assert.match(String(restarted.stats().lastError), /not enough space/);
    full = false;
    assert.equal(await restarted.catchUp(), true);
    assert.equal(await eventsOf(a), 2);
    assert.equal(restarted.stats().lastError, null);
  });
});

/**
 * A loader whose first attempt at a range of three events of `project` stores the events and
 * then fails (the id index insert runs out of memory once): the range is left to a retry.
 */
async function failedAfterEvents(log: SegmentLog, dir: string, project: string): Promise<Loader> {
  await log.append(encodeRecord({ v: 1, events: [event(project, 1), event(project, 2), event(project, 3)], rejected: [] }));
  let failures = 1;
  const flaky = faulty(store, 'event_ids', 'Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)', () => failures-- > 0);
  const loader = new Loader(log, flaky, { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 });
  await loader.recover();
  assert.equal(await loader.catchUp(), false);
  return loader;
}

test('a range that fails after its events are stored counts each event loaded once', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('late-failure');
    const loader = await failedAfterEvents(log, dir, a);
    assert.equal(await eventsOf(a), 3, 'the events went in before the id index failed');
    assert.equal(await loader.catchUp(), true);
    assert.equal(await eventsOf(a), 3);
    assert.equal(loader.stats().eventsLoaded, 3);
    assert.equal(loader.stats().lastError, null);
  });
});

test('killed between the events part and its timeline part: the retry fills the timeline, each event once in both tables', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('timeline-gap');
    const loader = await failedAfterEvents(log, dir, a);
    // What a kill between the two parts of the events insert leaves: the view's part is missing.
    await store.exec(`DELETE FROM ${store.database}.person_timeline WHERE project_id = {p:String} AND event_id = {id:UUID}`, { p: a, id: eventIdFromMessageId(a, 'm-2') });
    assert.equal(await timelineOf(a), 2);
    assert.equal(await loader.catchUp(), true);
    assert.equal(await eventsOf(a), 3);
    assert.equal(await timelineOf(a), 3);
    assert.equal(await count(`SELECT toUInt32(uniqExact(event_id)) AS n FROM {db}.person_timeline WHERE project_id = {p:String}`, { p: a }), 3);
  });
});

test('an unclassified engine error isolates rows only after repeated failures', async () => {
  await withLog(async (log, dir) => {
    const a = nextProject('unknown');
    await log.append(encodeRecord({ v: 1, events: [event(a, 1), event(a, 2, { event: 'poison' }), event(a, 3)], rejected: [] }));
    const inner = store;
    const poisoned = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== 'insertJsonRows') return Reflect.get(target, prop, receiver) as unknown;
        return async (t: string, rows: string, options?: InsertOptions) => {
          if (t === 'events' && rows.includes('"event":"poison"')) throw new Error('Code: 999. DB::Exception: something new');
          return target.insertJsonRows(t, rows, options);
        };
      },
    }) as Store;
    const loader = new Loader(log, poisoned, { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 });
    await loader.recover();
    for (let i = 0; i < 3; i++) assert.equal(await loader.catchUp(), false);
    assert.equal(await eventsOf(a), 0);
    assert.equal(await loader.catchUp(), true);
    assert.equal(await eventsOf(a), 2);
    assert.equal(await refusedOf(a), 1);
  });
});

test('error classes: rows, moments and the two meanings of code 252', () => {
  assert.equal(classifyInsertError(new Error('Code: 25. DB::Exception: Cannot parse escape sequence')), 'data');
  assert.equal(classifyInsertError(new Error('Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 100).')), 'data');
  assert.equal(classifyInsertError(new Error('Code: 252. DB::Exception: Too many parts (3001). Merges are processing significantly slower than inserts')), 'transient');
  assert.equal(classifyInsertError(new Error('Code: 243. DB::Exception: Cannot reserve 1.03 MiB, not enough space')), 'transient');
  assert.equal(classifyInsertError(new Error('ENOSPC: no space left on device, write')), 'transient');
  assert.equal(classifyInsertError(new Error('simulated crash')), 'unknown');
});

test('partition groups hold at most the given number of keys and every item once', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ i, k: `m${i % 250}` }));
  const groups = groupByPartition(items, (x) => x.k, 90);
  assert.deepEqual(groups.map((g) => new Set(g.map((x) => x.k)).size), [90, 90, 70]);
  assert.deepEqual(groups.flat().map((x) => x.i).sort((a, b) => a - b), items.map((x) => x.i));
  assert.deepEqual(groupByPartition(items.slice(0, 5), (x) => x.k, 90), [items.slice(0, 5)]);
  assert.deepEqual(groupByPartition([], (x: { k: string }) => x.k, 90), []);
});
