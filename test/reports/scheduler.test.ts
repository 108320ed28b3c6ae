/**
 * The scheduler with an injected clock: runs fire at cron times in the project zone (across a DST
 * change), failed runs retry with exponential backoff up to maxAttempts, a due time replaces a
 * pending retry, schedule changes re-arm, stop ends firing. And with the real runner: a run still
 * going when the next one is due is skipped and recorded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportScheduler, type RunResult, type ScheduledEntry } from '../../src/reports/scheduler.js';
import { SILENT_LOG } from '../../src/reports/report-runner.js';
import type { Analysis } from '../../src/analyses/analysis.js';
import { z } from 'zod';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock, settle } from './fake-clock.js';
import { setupReports } from './helpers.js';

const iso = (ms: number) => new Date(ms).toISOString();

function harness(start: string, entries: ScheduledEntry[], outcome: (call: number) => RunResult = () => 'finished') {
  const clock = new FakeClock(Date.parse(start));
  const calls: Array<{ id: string; trigger: string; attempt: number; at: string }> = [];
  const list = [...entries];
  const scheduler = new ReportScheduler({
    clock,
    log: SILENT_LOG,
    retryBaseMs: 60_000,
    retryMaxMs: 10 * 60_000,
    entries: async () => list,
    run: async (id, trigger, attempt) => {
      calls.push({ id, trigger, attempt, at: iso(clock.now()) });
      return outcome(calls.length);
    },
  });
  return { clock, calls, list, scheduler };
}

test('daily 00:30 in Europe/Berlin fires at local 00:30 before and after the DST change', async () => {
  const h = harness('2024-03-30T12:00:00Z', [{ id: 'a', schedule: '30 0 * * *', timezone: 'Europe/Berlin', maxAttempts: 1 }]);
  await h.scheduler.start();
  assert.equal(iso(h.scheduler.nextDue('a') ?? 0), '2024-03-30T23:30:00.000Z');
  await h.clock.advance(3 * 86_400_000);
  assert.deepEqual(h.calls.map((c) => c.at), ['2024-03-30T23:30:00.000Z', '2024-03-31T22:30:00.000Z', '2024-04-01T22:30:00.000Z']);
  assert.ok(h.calls.every((c) => c.trigger === 'schedule' && c.attempt === 1));
  await h.scheduler.stop();
});

test('every 4 hours fires six times a day, and nothing fires after stop', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '0 */4 * * *', timezone: 'UTC', maxAttempts: 1 }]);
  await h.scheduler.start();
  await h.clock.advance(86_400_000);
  assert.deepEqual(h.calls.map((c) => c.at.slice(11, 16)), ['04:00', '08:00', '12:00', '16:00', '20:00', '00:00']);
  await h.scheduler.stop();
  await h.clock.advance(86_400_000);
  assert.equal(h.calls.length, 6);
  assert.equal(h.clock.pending(), 0);
});

test('a failed run is retried after 1, then 2 minutes, up to maxAttempts', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '0 12 * * *', timezone: 'UTC', maxAttempts: 3 }], () => 'failed');
  await h.scheduler.start();
  await h.clock.advance(13 * 3_600_000);
  assert.deepEqual(h.calls.map((c) => [c.trigger, c.attempt, c.at]), [
    ['schedule', 1, '2024-01-01T12:00:00.000Z'],
    ['retry', 2, '2024-01-01T12:01:00.000Z'],
    ['retry', 3, '2024-01-01T12:03:00.000Z'],
  ]);
  await h.scheduler.stop();
});

test('a retry that succeeds ends the retries', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '0 12 * * *', timezone: 'UTC', maxAttempts: 5 }], (n) => (n === 1 ? 'failed' : 'finished'));
  await h.scheduler.start();
  await h.clock.advance(13 * 3_600_000);
  assert.deepEqual(h.calls.map((c) => c.attempt), [1, 2]);
  await h.scheduler.stop();
});

test('a due time arriving before the retry replaces it', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '* * * * *', timezone: 'UTC', maxAttempts: 3 }], (n) => (n === 1 ? 'failed' : 'finished'));
  await h.scheduler.start();
  await h.clock.advance(3 * 60_000);
  // Failed at 00:01; its retry would come at 00:02, where the schedule fires anyway.
  assert.deepEqual(h.calls.map((c) => [c.trigger, c.at.slice(11, 16)]), [['schedule', '00:01'], ['schedule', '00:02'], ['schedule', '00:03']]);
  await h.scheduler.stop();
});

test('refresh re-arms changed schedules and drops deleted ones', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '0 * * * *', timezone: 'UTC', maxAttempts: 1 }]);
  await h.scheduler.start();
  await h.clock.advance(2 * 3_600_000);
  h.list[0] = { id: 'a', schedule: '30 * * * *', timezone: 'UTC', maxAttempts: 1 };
  h.list.push({ id: 'b', schedule: '45 2 * * *', timezone: 'UTC', maxAttempts: 1 });
  await h.scheduler.refresh();
  await h.clock.advance(3_600_000);
  h.list.splice(0, 1);
  await h.scheduler.refresh();
  await h.clock.advance(3_600_000);
  assert.deepEqual(h.calls.map((c) => `${c.id}@${c.at.slice(11, 16)}`), ['a@01:00', 'a@02:00', 'a@02:30', 'b@02:45']);
  await h.scheduler.stop();
});

test('schedules far apart re-arm their timers without firing early', async () => {
  const h = harness('2024-01-01T00:00:00Z', [{ id: 'a', schedule: '0 0 1 * *', timezone: 'UTC', maxAttempts: 1 }]);
  await h.scheduler.start();
  await h.clock.advance(59 * 86_400_000);
  assert.deepEqual(h.calls.map((c) => c.at), ['2024-02-01T00:00:00.000Z']);
  await h.scheduler.stop();
});

// ---- with the real runner: overlap ----

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
});
after(async () => dispose());

test('a run still going when the next is due is skipped and recorded; the next due run goes ahead', async () => {
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  let entered = 0;
  const blocking: Analysis<Record<string, unknown>, { n: number }> = {
    name: 'blocking',
    description: 'waits for the test',
    schema: z.record(z.string(), z.unknown()),
    run: async () => {
      entered += 1;
      await gate;
      return { n: entered };
    },
    toTable: (r) => ({ columns: ['n'], rows: [[r.n]] }),
  };
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  const setup = setupReports(store, { now: clock.now, analyses: [blocking] });
  const project = setup.project('overlap', 'UTC');
  const report = await setup.service.create(project, { name: 'slow', analysis: 'blocking', definition: {}, schedule: '*/10 * * * *' });
  const scheduler = new ReportScheduler({
    clock,
    log: SILENT_LOG,
    entries: async () => [{ id: report.reportId, schedule: '*/10 * * * *', timezone: 'UTC', maxAttempts: 1 }],
    run: async () => (await setup.runner.run(await setup.service.get(project, 'slow'), { trigger: 'schedule' })).status as RunResult,
  });
  await scheduler.start();
  await clock.advance(10 * 60_000); // 00:10: starts and blocks
  while (entered === 0) await settle();
  await clock.advance(10 * 60_000); // 00:20: still going → skipped
  while ((await setup.service.runs(project, 'slow')).length < 2) await settle();
  release();
  await setup.runner.idle();
  gate = new Promise<void>((r) => (release = r));
  release();
  await clock.advance(10 * 60_000); // 00:30: runs again
  await setup.runner.idle();
  while ((await setup.service.runs(project, 'slow')).length < 3) await settle();
  await scheduler.stop();
  const runs = (await setup.service.runs(project, 'slow')).reverse();
  assert.deepEqual(runs.map((r) => [r.status, r.startedAt.slice(11, 16)]), [['finished', '00:10'], ['skipped', '00:20'], ['finished', '00:30']]);
  assert.match(runs[1]?.error ?? '', /still going/);
  assert.equal(entered, 2);
});
