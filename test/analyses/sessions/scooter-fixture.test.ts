import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempStore } from '../../helpers/temp-store.js';
import { sessionsAnalysis, sessionsExport } from '../../../src/analyses/sessions/index.js';
import type { SessionsDefinition } from '../../../src/analyses/sessions/index.js';
import type { AnalysisContext } from '../../../src/analyses/analysis.js';
import type { Store } from '../../../src/store/store.js';
import { ev, insertEvents } from './events.js';

// The mobile-app question: "was the user looking for a scooter, and did they manage to book one?"
// Europe/Berlin is UTC+1 in January.
const app = { deviceType: 'mobile' };
const events = [
  // anna, session 1 (09:00-09:12 local): searched, selected a scooter, never started a ride.
  ev('anna', 'app_open', '2024-01-15T08:00:00Z', { ...app, channel: 'direct', pagePath: '/home' }),
  ev('anna', 'search', '2024-01-15T08:05:00Z', { ...app, pagePath: '/map' }),
  ev('anna', 'scooter_selected', '2024-01-15T08:12:00Z', app),
  // anna, session 2: 42 min later (> 30 min timeout); searched then rode.
  ev('anna', 'search', '2024-01-15T08:54:00Z', { ...app, pagePath: '/map' }),
  ev('anna', 'ride_started', '2024-01-15T09:00:00Z', app),
  ev('anna', 'ride_done', '2024-01-15T09:24:00Z', { ...app, pagePath: '/rating' }),
  // ben: one event, a bounce.
  ev('ben', 'app_open', '2024-01-15T10:00:00Z', { deviceType: 'tablet', channel: 'push' }),
  // carl: gap of exactly 30 min stays one session; rating without searching (success, no intent).
  ev('carl', 'app_open', '2024-01-15T11:00:00Z', app),
  ev('carl', 'rating_screen', '2024-01-15T11:30:00Z', app),
  // carl next day local (2024-01-16 00:30 Berlin = 2024-01-15T23:30Z): a new day row.
  ev('carl', 'search', '2024-01-15T23:30:00Z', app),
  ev('carl', 'ride_started', '2024-01-15T23:31:00Z', app),
  // an identify call is not activity
  ev('ben', 'login', '2024-01-15T10:01:00Z', { type: 'identify' }),
];

let store: Store;
let dispose: () => Promise<void>;
const ctx = (): AnalysisContext => ({ store, projectId: 'scooter', timezone: 'Europe/Berlin', now: () => 0 });
const goals: SessionsDefinition = {
  intent: { events: ['search', 'scooter_selected'] },
  success: { events: ['ride_started', 'ride_done', 'rating_screen'] },
};

before(async () => {
  ({ store, dispose } = await tempStore());
  await insertEvents(store, [{ projectId: 'scooter', events }]);
});
after(async () => dispose());

test('daily report: sessions, bounce, intent and intent → success', async () => {
  const result = await sessionsAnalysis.run(ctx(), sessionsAnalysis.schema.parse(goals));
  assert.deepEqual(result, {
    view: 'daily',
    days: [
      {
        // anna 12 min and 30 min, ben 0, carl 30 min
        day: '2024-01-15', sessions: 4, persons: 3,
        avgDurationMs: (12 + 30 + 0 + 30) * 60_000 / 4, medianDurationMs: (12 + 30) / 2 * 60_000,
        bounces: 1, bounceRate: 0.25,
        intentSessions: 2, successSessions: 2, intentSuccessSessions: 1, intentToSuccessRate: 0.5,
      },
      {
        day: '2024-01-16', sessions: 1, persons: 1, avgDurationMs: 60_000, medianDurationMs: 60_000,
        bounces: 0, bounceRate: 0, intentSessions: 1, successSessions: 1, intentSuccessSessions: 1, intentToSuccessRate: 1,
      },
    ],
  });
});

test('success after intent and a 15 minute timeout', async () => {
  const def = sessionsAnalysis.schema.parse({
    ...goals, timeout: '15m', success: { ...goals.success, afterIntent: true }, view: 'list',
  });
  const result = await sessionsAnalysis.run(ctx(), def);
  assert.equal(result.view, 'list');
  if (result.view !== 'list') return;
  // 15 min splits carl's 30 min gap and the 24 min ride; ride_done alone has no intent before it.
  assert.deepEqual(result.sessions.map((s) => [s.personId, s.entryEvent, s.exitEvent, s.events, s.intent, s.success]), [
    ['anna', 'app_open', 'scooter_selected', 3, true, false],
    ['anna', 'search', 'ride_started', 2, true, true],
    ['anna', 'ride_done', 'ride_done', 1, false, false],
    ['ben', 'app_open', 'app_open', 1, false, false],
    ['carl', 'app_open', 'app_open', 1, false, false],
    ['carl', 'rating_screen', 'rating_screen', 1, false, false],
    ['carl', 'search', 'ride_started', 2, true, true],
  ]);
  assert.equal(result.total, 7);
});

test('session list: fields, filters and stable ids', async () => {
  const def = sessionsAnalysis.schema.parse({ ...goals, view: 'list', list: { hasIntent: true, hasSuccess: false } });
  const result = await sessionsAnalysis.run(ctx(), def);
  assert.deepEqual(result.view === 'list' ? result.sessions.map(({ sessionId: _id, ...s }) => s) : null, [{
    personId: 'anna', day: '2024-01-15', start: '2024-01-15T08:00:00.000Z', end: '2024-01-15T08:12:00.000Z',
    durationMs: 720_000, events: 3, entryEvent: 'app_open', exitEvent: 'scooter_selected',
    entryPage: '/home', exitPage: '/map', channel: 'direct', device: 'mobile',
    intent: true, success: false, bounce: false,
  }]);
  const again = await sessionsAnalysis.run(ctx(), sessionsAnalysis.schema.parse({ ...goals, view: 'list', from: '2024-01-15', to: '2024-01-15' }));
  const id = result.view === 'list' ? result.sessions[0]?.sessionId : undefined;
  assert.match(id ?? '', /^[0-9a-f]{32}$/);
  assert.ok(again.view === 'list' && again.sessions.some((s) => s.sessionId === id));
  const tablets = await sessionsAnalysis.run(ctx(), sessionsAnalysis.schema.parse({ view: 'list', list: { device: 'tablet' } }));
  assert.deepEqual(tablets.view === 'list' ? tablets.sessions.map((s) => [s.personId, s.bounce, s.channel]) : null, [['ben', true, 'push']]);
});

test('CSV export reads back as the list', async () => {
  const def = sessionsAnalysis.schema.parse({ ...goals, view: 'list' });
  const csv = new TextDecoder().decode(await sessionsExport(ctx(), def, 'CSVWithNames'));
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], '"sessionId","personId","day","start","end","durationMs","events","entryEvent","exitEvent","entryPage","exitPage","channel","device","intent","success","bounce"');
  assert.equal(lines.length, 6);
  assert.match(lines[1] ?? '', /^"[0-9a-f]{32}","anna","2024-01-15","2024-01-15 08:00:00.000","2024-01-15 08:12:00.000",720000,3,"app_open","scooter_selected","\/home","\/map","direct","mobile",true,false,false$/);
});

test('a range reports sessions by start date and sees them whole', async () => {
  // dora's session starts 23:50 local on the 15th and runs past midnight to 00:10 on the 16th.
  const dora = [
    ev('dora', 'search', '2024-01-15T22:50:00Z', app),
    ev('dora', 'ride_started', '2024-01-15T23:10:00Z', app),
  ];
  await insertEvents(store, [{ projectId: 'scooter-range', events: dora }]);
  const rangeCtx = { ...ctx(), projectId: 'scooter-range' };
  const on16 = await sessionsAnalysis.run(rangeCtx, sessionsAnalysis.schema.parse({ ...goals, from: '2024-01-16', to: '2024-01-16' }));
  assert.deepEqual(on16, { view: 'daily', days: [] });
  const on15 = await sessionsAnalysis.run(rangeCtx, sessionsAnalysis.schema.parse({ ...goals, view: 'list', to: '2024-01-15' }));
  assert.deepEqual(on15.view === 'list' ? on15.sessions.map((s) => [s.day, s.durationMs, s.success]) : null, [['2024-01-15', 20 * 60_000, true]]);
  const split = await sessionsAnalysis.run(rangeCtx, sessionsAnalysis.schema.parse({ ...goals, splitAtMidnight: true, from: '2024-01-16' }));
  assert.deepEqual(split.view === 'daily' ? split.days.map((d) => [d.day, d.sessions, d.intentSessions, d.successSessions]) : null, [['2024-01-16', 1, 0, 1]]);
});

test('Parquet export of the daily report reads back through the engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-parquet-'));
  try {
    const path = join(dir, 'daily.parquet');
    writeFileSync(path, await sessionsExport(ctx(), sessionsAnalysis.schema.parse(goals), 'Parquet'));
    const back = await store.query<Record<string, unknown>>(
      'SELECT toString(day) AS day, sessions, medianDurationMs, intentToSuccessRate FROM file({path:String}, Parquet) ORDER BY day',
      { path },
    );
    assert.deepEqual(back, [
      { day: '2024-01-15', sessions: 4, medianDurationMs: 21 * 60_000, intentToSuccessRate: 0.5 },
      { day: '2024-01-16', sessions: 1, medianDurationMs: 60_000, intentToSuccessRate: 1 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
