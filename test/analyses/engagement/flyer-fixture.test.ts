import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempStore } from '../../helpers/temp-store.js';
import { engagementAnalysis, engagementExport } from '../../../src/analyses/engagement/index.js';
import type { AnalysisContext } from '../../../src/analyses/analysis.js';
import type { Store } from '../../../src/store/store.js';
import { ev, insertEvents } from '../sessions/events.js';

// The flyer question: "how long do users spend on each flyer per day, per merchant?"
// The project is in New York (UTC-4 in June); events carry -04:00 offsets and cross local midnight.
const flyer = (merchant: string, id: string, extra: Record<string, string> = {}) => ({
  properties: { merchant_id: merchant, flyer_id: id, ...extra },
});
const events = [
  ev('p1', 'flyer_open', '2024-06-01T23:50:00-04:00', flyer('m1', 'f1')),
  ev('p1', 'item_open', '2024-06-01T23:55:00-04:00', flyer('m1', 'f1', { item_id: 'i9' })), // flyer f1: 5 min
  ev('p1', 'flyer_open', '2024-06-02T00:02:00-04:00', flyer('m1', 'f2')), // item: 7 min, across midnight
  ev('p1', 'app_close', '2024-06-02T00:10:00-04:00'), // flyer f2: 8 min
  ev('p1', 'flyer_open', '2024-06-02T09:00:00-04:00', flyer('m2', 'f3')), // alone in its session
  ev('p2', 'flyer_open', '2024-06-02T00:30:00-04:00', flyer('m1', 'f2')),
  ev('p2', 'flyer_heartbeat', '2024-06-02T00:31:00-04:00'),
  ev('p2', 'flyer_heartbeat', '2024-06-02T00:32:00-04:00'), // f2 by p2: 2 min with heartbeats
  ev('p3', 'flyer_open', '2024-06-02T12:00:00-04:00', flyer('m2', 'f3', { seconds: '12.5' })),
];

let store: Store;
let dispose: () => Promise<void>;
const ctx = (): AnalysisContext => ({ store, projectId: 'flyers', timezone: 'America/New_York', now: () => 0 });
const base = {
  contentEvents: ['flyer_open', 'item_open'],
  keys: ['merchant_id', 'flyer_id'],
  heartbeatEvents: ['flyer_heartbeat'],
};

before(async () => {
  ({ store, dispose } = await tempStore());
  await insertEvents(store, [{ projectId: 'flyers', events }]);
});
after(async () => dispose());

const item = (day: string, key: string[], views: number, persons: number, measuredPersons: number, measured: number, totalTimeMs: number) => ({
  day, key, views, uniquePersons: persons, measuredPersons, measuredViews: measured, unmeasuredViews: views - measured, totalTimeMs,
  avgTimePerViewMs: measured === 0 ? null : totalTimeMs / measured,
  avgTimePerPersonMs: measuredPersons === 0 ? null : totalTimeMs / measuredPersons,
});

test('per merchant, flyer and local day', async () => {
  const result = await engagementAnalysis.run(ctx(), engagementAnalysis.schema.parse(base));
  assert.deepEqual(result, {
    report: 'per_item_day',
    keys: ['merchant_id', 'flyer_id'],
    rows: [
      item('2024-06-01', ['m1', 'f1'], 2, 1, 1, 2, 5 * 60_000 + 7 * 60_000),
      item('2024-06-02', ['m1', 'f2'], 2, 2, 2, 2, 8 * 60_000 + 2 * 60_000),
      item('2024-06-02', ['m2', 'f3'], 2, 2, 0, 0, 0),
    ],
  });
});

test('explicit durations, heartbeats off, midnight split', async () => {
  const def = engagementAnalysis.schema.parse({
    contentEvents: ['flyer_open', 'item_open'], keys: ['flyer_id'], durationProperty: 'seconds', durationUnit: 's',
    splitAtMidnight: true, from: '2024-06-02',
  });
  const result = await engagementAnalysis.run(ctx(), def);
  assert.deepEqual(result.rows, [
    // p2's view ends at the first heartbeat (1 min): heartbeats are ordinary events here.
    item('2024-06-02', ['f2'], 2, 2, 2, 2, 8 * 60_000 + 60_000),
    // p3's view has no next event but says it lasted 12.5 s.
    item('2024-06-02', ['f3'], 2, 2, 1, 1, 12_500),
  ]);
  const before = await engagementAnalysis.run(ctx(), engagementAnalysis.schema.parse({ ...def, from: undefined, to: '2024-06-01' }));
  // Split at midnight, the item view at 23:55 is the last of its session: unmeasured.
  assert.deepEqual(before.rows, [item('2024-06-01', ['f1'], 2, 1, 1, 1, 5 * 60_000)]);
});

test('average time on content per person per day', async () => {
  const daily = await engagementAnalysis.run(ctx(), engagementAnalysis.schema.parse({ ...base, report: 'daily' }));
  assert.deepEqual(daily.rows, [
    { day: '2024-06-01', persons: 1, measuredPersons: 1, views: 2, measuredViews: 2, unmeasuredViews: 0, totalTimeMs: 720_000, avgTimePerViewMs: 360_000, avgTimePerPersonMs: 720_000 },
    { day: '2024-06-02', persons: 3, measuredPersons: 2, views: 4, measuredViews: 2, unmeasuredViews: 2, totalTimeMs: 600_000, avgTimePerViewMs: 300_000, avgTimePerPersonMs: 300_000 },
  ]);
  const perPerson = await engagementAnalysis.run(ctx(), engagementAnalysis.schema.parse({ ...base, report: 'per_person_day', from: '2024-06-02' }));
  assert.deepEqual(perPerson.rows.map((r) => [r.day, 'personId' in r ? r.personId : '', r.views, r.totalTimeMs]), [
    ['2024-06-02', 'p1', 2, 480_000],
    ['2024-06-02', 'p2', 1, 120_000],
    ['2024-06-02', 'p3', 1, 0],
  ]);
});

test('CSV and Parquet exports carry the same report', async () => {
  const def = engagementAnalysis.schema.parse(base);
  const csv = new TextDecoder().decode(await engagementExport(ctx(), def, 'CSVWithNames'));
  assert.deepEqual(csv.trim().split('\n'), [
    '"day","key_1","key_2","views","uniquePersons","measuredPersons","measuredViews","unmeasuredViews","totalTimeMs","avgTimePerViewMs","avgTimePerPersonMs"',
    '"2024-06-01","m1","f1",2,1,1,2,0,720000,360000,720000',
    '"2024-06-02","m1","f2",2,2,2,2,0,600000,300000,300000',
    '"2024-06-02","m2","f3",2,2,0,0,2,0,\\N,\\N',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-parquet-'));
  try {
    const path = join(dir, 'report.parquet');
    writeFileSync(path, await engagementExport(ctx(), def, 'Parquet'));
    const back = await store.query<Record<string, unknown>>(
      'SELECT toString(day) AS day, key_1, key_2, views, totalTimeMs, avgTimePerPersonMs FROM file({path:String}, Parquet) ORDER BY day, key_1',
      { path },
    );
    assert.deepEqual(back, [
      { day: '2024-06-01', key_1: 'm1', key_2: 'f1', views: 2, totalTimeMs: 720000, avgTimePerPersonMs: 720000 },
      { day: '2024-06-02', key_1: 'm1', key_2: 'f2', views: 2, totalTimeMs: 600000, avgTimePerPersonMs: 300000 },
      { day: '2024-06-02', key_1: 'm2', key_2: 'f3', views: 2, totalTimeMs: 0, avgTimePerPersonMs: null },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
