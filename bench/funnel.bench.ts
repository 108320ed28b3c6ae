/**
 * Funnels on the e-commerce demo, side by side in one run on the same table:
 *  - Clickpath's funnel engine (4 steps, 4 steps by device, 20 steps);
 *  - a hand-written `windowFunnel` query (what a ClickHouse user writes; it has no time to
 *    convert, no furthest-attempt semantics and no breakdown attribution);
 *  - the join-per-step SQL data teams typically write (first step-k event after step k-1,
 *    within the window of step 1).
 * Peak memory per query group is the process's resident high-water mark, reset before each group.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore } from '../src/store/chdb-store.js';
import { migrate } from '../src/store/migrations.js';
import { generateDemo } from '../src/demo/generate-demo.js';
import { funnelAnalysis } from '../src/analyses/funnel/index.js';
import type { FunnelDefinition } from '../src/analyses/funnel/definition.js';
import { fmt, median, saveSection, table, type SectionResult } from './bench-kit.js';

const STEPS4 = ['home', 'search', 'payment', 'confirmation'];
const WINDOW_MS = 7 * 86_400_000;

function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peak then covers the whole run
  }
}

function peakMiB(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export interface Measured {
  ms: number;
  runs: number[];
  peakMiB: number;
}

/**
 * Median of `runs` timed runs of each query after a warm-up of each; slow queries (> 60 s) are run
 * once. The queries of one row run in turn (A, B, C, A, B, C, ...), so load from other processes
 * on a shared machine hits them alike and their ratio stays meaningful.
 */
export async function measureRow(runs: number, fns: ReadonlyArray<() => Promise<unknown>>, settle?: () => Promise<void>): Promise<Measured[]> {
  const timed = async (i: number, fn: () => Promise<unknown>, into: number[][], peaks: number[]) => {
    // The resident high-water mark can only be reset to the current RSS, and the engine's
    // allocator keeps what the previous query freed: without `settle` (bench/timeline.bench.ts
    // purges it) a light query after a heavy one reports the heavy one's memory.
    if (settle) await settle();
    resetPeak();
    const t = performance.now();
    await fn();
    into[i]?.push(performance.now() - t);
    peaks[i] = Math.max(peaks[i] ?? 0, peakMiB());
  };
  const firsts: number[][] = fns.map(() => []);
  const times: number[][] = fns.map(() => []);
  const peaks: number[] = fns.map(() => 0);
  for (const [i, fn] of fns.entries()) await timed(i, fn, firsts, peaks);
  const slow = firsts.map((f) => (f[0] ?? 0) > 60_000);
  for (let r = 0; r < runs; r++) {
    for (const [i, fn] of fns.entries()) if (!slow[i]) await timed(i, fn, times, peaks);
  }
  return fns.map((_, i) => {
    const t = slow[i] ? (firsts[i] ?? []) : (times[i] ?? []);
    return { ms: median(t), runs: t, peakMiB: peaks[i] ?? NaN };
  });
}

export function windowFunnelSql(db: string, steps: readonly string[]): string {
  const conds = steps.map((_, i) => `event = {s${i}:String}`).join(', ');
  return `SELECT level, count() AS persons FROM (
    SELECT person_id, windowFunnel(${WINDOW_MS})(toUInt64(toUnixTimestamp64Milli(timestamp)), ${conds}) AS level
    FROM ${db}.events WHERE project_id = 'shop' AND event IN {steps:Array(String)}
    GROUP BY person_id) GROUP BY level ORDER BY level`;
}

function joinPerStepSql(db: string, steps: readonly string[]): string {
  const parts = [`s0 AS (SELECT person_id, min(timestamp) AS t0, min(timestamp) AS t FROM ${db}.events
    WHERE project_id = 'shop' AND event = {s0:String} GROUP BY person_id)`];
  for (let i = 1; i < steps.length; i++) {
    parts.push(`s${i} AS (SELECT p.person_id AS person_id, any(p.t0) AS t0, min(e.timestamp) AS t
      FROM s${i - 1} AS p INNER JOIN ${db}.events AS e ON e.person_id = p.person_id
      WHERE e.project_id = 'shop' AND e.event = {s${i}:String} AND e.timestamp > p.t AND e.timestamp <= p.t0 + toIntervalMillisecond(${WINDOW_MS})
      GROUP BY p.person_id)`);
  }
  return `WITH ${parts.join(',\n')} SELECT ${steps.map((_, i) => `(SELECT count() FROM s${i}) AS step${i + 1}`).join(', ')}`;
}

export function stepParams(steps: readonly string[]): Record<string, string | string[]> {
  return { steps: [...new Set(steps)], ...Object.fromEntries(steps.map((s, i) => [`s${i}`, s])) };
}

export async function funnelBench(options: { events: number; runs?: number }): Promise<SectionResult> {
  const runs = options.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-bench-funnel-'));
  const store = await ChdbStore.open({ dataDir: dir, database: 'bench' });
  try {
    await migrate(store);
    const g0 = performance.now();
    await generateDemo(store, {
      scenario: 'ecommerce', projectId: 'shop', events: options.events, seed: 11, end: new Date(Date.UTC(2025, 5, 30)), days: 180,
      onProgress: (done, total) => process.stderr.write(`\r  generating ${fmt(done)} / ${fmt(total)} events`),
    });
    process.stderr.write('\n');
    const generateMs = performance.now() - g0;
    await store.exec(`OPTIMIZE TABLE ${store.database}.events FINAL`);
    const [{ persons } = { persons: '0' }] = await store.query<{ persons: string }>(`SELECT toString(uniqExact(person_id)) AS persons FROM ${store.database}.events WHERE project_id = 'shop'`);
    const ctx = { store, projectId: 'shop', timezone: 'UTC', now: () => Date.UTC(2025, 5, 30) };
    const steps20 = Array.from({ length: 20 }, (_, i) => STEPS4[i % 4] as string);
    const def = (steps: readonly string[], extra: Partial<FunnelDefinition> = {}): FunnelDefinition => ({ steps: steps.map((event) => ({ event })), window: '7d', ...extra });
    const db = store.database;

    const rows: Array<{ label: string; ours?: Measured; wf?: Measured; join?: Measured }> = [];
    const log = (s: string) => process.stderr.write(`  ${s}\n`);
    log('4 steps');
    const [ours4, wf4, join4] = await measureRow(runs, [
      () => funnelAnalysis.run(ctx, def(STEPS4)),
      () => store.query(windowFunnelSql(db, STEPS4), stepParams(STEPS4)),
      () => store.query(joinPerStepSql(db, STEPS4), stepParams(STEPS4)),
    ]);
    rows.push({ label: '4 steps, 7-day window', ours: ours4, wf: wf4, join: join4 });
    log('4 steps by device');
    const [byDevice] = await measureRow(runs, [() => funnelAnalysis.run(ctx, def(STEPS4, { breakdown: { type: 'column', property: 'device_type' } }))]);
    rows.push({ label: '4 steps by device (breakdown on step 1)', ours: byDevice });
    log('4 steps by session');
    const [bySession] = await measureRow(runs, [() => funnelAnalysis.run(ctx, def(STEPS4, { unit: 'session', session: { timeout: '30m' } }))]);
    rows.push({ label: '4 steps counted by session (30-min timeout)', ours: bySession });
    log('20 steps');
    const [ours20, wf20] = await measureRow(runs, [
      () => funnelAnalysis.run(ctx, def(steps20)),
      () => store.query(windowFunnelSql(db, steps20), stepParams(steps20)),
    ]);
    rows.push({ label: '20 steps (the 4 repeated 5 times)', ours: ours20, wf: wf20 });

    const ms = (m?: { ms: number }) => (m ? `${fmt(m.ms)} ms` : '–');
    const mem = (m?: { peakMiB: number }) => (m ? `${fmt(m.peakMiB)} MiB` : '–');
    const ratio = (a?: { ms: number }, b?: { ms: number }) => (a && b ? `${fmt(a.ms / b.ms, 2)}×` : '–');
    const four = rows[0]?.ours?.ms ?? NaN;
    const twenty = rows.find((r) => r.label.startsWith('20 steps'))?.ours?.ms ?? NaN;
    const markdown = [
      `${fmt(options.events)} e-commerce demo events (${fmt(Number(persons))} persons, 180 days; generated in ${fmt(generateMs / 1000)} s), embedded engine, one process; median of ${runs} runs after a warm-up (queries over 60 s: one run), the queries of a row taking turns. Peak memory: resident high-water mark of the process during each query's runs.`,
      '',
      table(['funnel', 'Clickpath', 'hand-written windowFunnel', 'join per step', 'Clickpath / windowFunnel', 'Clickpath / join', 'peak memory (Clickpath / windowFunnel / join)'],
        rows.map((r) => [r.label, ms(r.ours), ms(r.wf), ms(r.join), ratio(r.ours, r.wf), ratio(r.ours, r.join), `${mem(r.ours)} / ${mem(r.wf)} / ${mem(r.join)}`])),
      '',
      `20 steps / 4 steps (Clickpath): ${fmt(twenty / four, 2)}× (goal ≤ 2×). Goal for 100M events: 4 steps ≤ 6 s.`,
      '',
      'The Clickpath query computes more than windowFunnel: furthest step of the best attempt, time to convert from the previous step (average, median, p90) and drop-offs, with identity resolution through aliases.',
    ].join('\n');
    return saveSection({ section: 'funnel', title: 'Funnels', markdown, data: { events: options.events, persons: Number(persons), rows } });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
