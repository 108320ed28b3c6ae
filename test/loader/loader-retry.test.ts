/**
 * A range whose load was interrupted is loaded again, after a crash or within the same process,
 * and ends up stored exactly once whatever part of it the first attempt stored. The crash points
 * are simulated by a store that fails one insert, before or after performing it; one of them
 * leaves the state a kill can leave in the embedded engine: the block's deduplication token is
 * recorded, its rows are not stored.
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
import type { EventRow, RejectedRow } from '../../src/events/event-row.js';
import { eventIdFromMessageId } from '../../src/events/event-id.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

type Failure = 'before' | 'after' | 'lost';

/** The store, except that the first insert into `table` fails: before or after it is done, or
 * done with its token and then its rows removed (the token stays recorded). */
function failingOnce(inner: Store, table: string, how: Failure): Store {
  let armed = true;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'insertJsonRows') return Reflect.get(target, prop, receiver) as unknown;
      return async (t: string, rows: string, options?: InsertOptions) => {
        if (!armed || t !== table) return target.insertJsonRows(t, rows, options);
        armed = false;
        if (how === 'before') throw new Error(`simulated crash before the ${t} insert`);
        const n = await target.insertJsonRows(t, rows, options);
        if (how === 'lost') {
          const positions = rows.split('\n').map((r) => (JSON.parse(r) as { log_position: number }).log_position);
          await target.exec(`ALTER TABLE ${target.database}.${t} DELETE WHERE log_position IN {p:Array(UInt64)} SETTINGS mutations_sync = 2`, { p: positions });
        }
        throw new Error(`simulated crash after the ${t} insert (${n} rows)`);
      };
    },
  }) as Store;
}

let projectNo = 0;

function event(project: string, n: number, extra: Partial<EventRow> = {}): EventRow {
  return {
    project_id: project, event_id: eventIdFromMessageId(project, `m-${n}`), type: 'track', event: 'numbered', person_id: `u${n % 3}`, anonymous_id: '', user_id: `u${n % 3}`,
    timestamp: `2026-01-0${1 + (n % 2)} 10:00:00.000`, received_at: '2026-01-02 10:00:00.000', sent_at: null, timestamp_clamped: false,
    page_url: '', page_path: '', page_referrer: '', page_title: '', device_type: '', os: '', browser: '', channel: '', utm_source: '', utm_medium: '', utm_campaign: '',
    country: '', locale: '', properties: { n: String(n) }, traits: {}, context: '', ...extra,
  };
}

function reject(project: string, n: number): RejectedRow {
  return { project_id: project, received_at: '2026-01-02 10:00:00.000', source: 'http', reason: 'invalid', errors: [`item ${n}`], payload: '{}', payload_truncated: false };
}

/** Appends three records (events, a login linking anon-1, rejected items) and returns the project. */
async function fill(log: SegmentLog): Promise<string> {
  const project = `retry-${++projectNo}`;
  await log.append(encodeRecord({ v: 1, events: [event(project, 1), event(project, 2)], rejected: [reject(project, 1)] }));
  await log.append(encodeRecord({ v: 1, events: [event(project, 3, { anonymous_id: 'anon-1', user_id: 'u9', person_id: 'u9' })], rejected: [] }));
  await log.append(encodeRecord({ v: 1, events: [event(project, 4), event(project, 5)], rejected: [reject(project, 2)] }));
  return project;
}

async function stored(project: string): Promise<{ events: string[]; ids: number; aliases: string[]; rejected: string[] }> {
  const db = store.database;
  const events = await store.query<{ n: string }>(`SELECT properties['n'] AS n FROM ${db}.events WHERE project_id = {p:String} ORDER BY n`, { p: project });
  const ids = await store.query<{ c: number }>(`SELECT toUInt32(count()) AS c FROM (SELECT event_id FROM ${db}.event_ids FINAL WHERE project_id = {p:String})`, { p: project });
  const aliases = await store.query<{ a: string }>(`SELECT DISTINCT concat(distinct_id, '>', person_id) AS a FROM ${db}.person_aliases WHERE project_id = {p:String}`, { p: project });
  const rejected = await store.query<{ e: string }>(`SELECT errors[1] AS e FROM ${db}.rejected_events WHERE project_id = {p:String} ORDER BY e`, { p: project });
  return { events: events.map((r) => r.n), ids: ids[0]?.c ?? 0, aliases: aliases.map((r) => r.a), rejected: rejected.map((r) => r.e) };
}

const EXPECTED = { events: ['1', '2', '3', '4', '5'], ids: 5, aliases: ['anon-1>u9'], rejected: ['item 1', 'item 2'] };

const CASES: Array<[string, Failure]> = [
  ['events', 'before'], ['events', 'after'], ['events', 'lost'],
  ['person_aliases', 'before'], ['person_aliases', 'after'],
  ['event_ids', 'before'], ['event_ids', 'after'],
  ['rejected_events', 'after'], ['rejected_events', 'lost'],
];

for (const [table, how] of CASES) {
  for (const restart of [true, false]) {
    test(`a failure ${how === 'lost' ? 'that loses the rows of' : how} the ${table} insert, then ${restart ? 'a restart' : 'a retry in the same process'}: every event stored once`, async () => {
      const { dir, dispose: disposeLog } = tempLogDir();
      const log = await SegmentLog.open(join(dir, 'log'));
      try {
        const project = await fill(log);
        const options = { checkpointPath: join(dir, 'loader.json'), flushIntervalMs: 10, flushMaxEvents: 1000 };
        const first = new Loader(log, failingOnce(store, table, how), options);
        await first.recover();
        await assert.rejects(first.drain(), /simulated crash/);
        const second = restart ? new Loader(log, store, options) : first;
        if (restart) await second.recover();
        await second.drain();
        assert.equal(second.stats().position, log.endPosition());
        assert.deepEqual(await stored(project), EXPECTED);
      } finally {
        await log.close();
        disposeLog();
      }
    });
  }
}
