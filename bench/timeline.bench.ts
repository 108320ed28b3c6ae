/**
 * The person timeline against the events table, side by side in one run on the same data:
 *  - Clickpath's funnel on the person timeline (what analyses use now);
 *  - the same funnel SQL on the events table, grouping persons by hashing (the old path);
 *  - the hand-written `windowFunnel` on the events table (the anchor the issue names);
 *  - paths and retention (and engagement where the timeline serves it) on the timeline against
 *    the same analysis forced onto the events table (the old path).
 * Plus the storage of both tables. Peak memory: the process's resident high-water mark, reset
 * before each query after purging the allocator (bench/funnel.bench.ts measureRow).
 *
 * The data is generated once into CLICKPATH_BENCH_DATA (default: a folder in the system temp
 * dir named after the size) and reused by later runs, since 100M events take minutes to make.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore } from '../src/store/chdb-store.js';
import { migrate } from '../src/store/migrations.js';
import { generateDemo } from '../src/demo/generate-demo.js';
import { funnelAnalysis } from '../src/analyses/funnel/index.js';
import { runFunnel } from '../src/analyses/funnel/run-funnel.js';
import type { FunnelDefinition } from '../src/analyses/funnel/definition.js';
import { pathsDefinitionSchema } from '../src/analyses/paths/definition.js';
import { runPaths } from '../src/analyses/paths/paths-runner.js';
import { runEngagement } from '../src/analyses/engagement/index.js';
import { engagementDefinitionSchema } from '../src/analyses/engagement/definition.js';
import { retentionDefinitionSchema } from '../src/analyses/retention/definition.js';
import { runRetention } from '../src/analyses/retention/retention-runner.js';
import { runSessions, type SessionDay } from '../src/analyses/sessions/index.js';
import { sessionsDefinitionSchema } from '../src/analyses/sessions/definition.js';
import { sessionsBaselineSql } from './baselines/sessions-baseline.js';
import { fmt, saveSection, table, type SectionResult } from './bench-kit.js';
import { measureRow, stepParams, windowFunnelSql, type Measured } from './funnel.bench.js';

const STEPS4 = ['home', 'search', 'payment', 'confirmation'];

export async function timelineBench(options: { events: number; runs?: number }): Promise<SectionResult> {
  const runs = options.runs ?? 3;
  const dir = process.env.CLICKPATH_BENCH_DATA ?? join(tmpdir(), `clickpath-bench-timeline-${options.events}`);
  const fresh = !existsSync(join(dir, 'generated'));
  mkdirSync(dir, { recursive: true });
  const store = await ChdbStore.open({ dataDir: join(dir, 'engine'), database: 'bench' });
  const log = (s: string) => process.stderr.write(`  ${s}\n`);
  try {
    await migrate(store);
    const db = store.database;
    let generateMs = NaN;
    if (fresh) {
      await store.exec(`TRUNCATE TABLE ${db}.events`);
      await store.exec(`TRUNCATE TABLE ${db}.person_timeline`);
      const g0 = performance.now();
      await generateDemo(store, {
        scenario: 'ecommerce', projectId: 'shop', events: options.events, seed: 11, end: new Date(Date.UTC(2025, 5, 30)), days: 180,
        onProgress: (done, total) => process.stderr.write(`\r  generating ${fmt(done)} / ${fmt(total)} events (both tables)`),
      });
      process.stderr.write('\n');
      generateMs = performance.now() - g0;
      log('merging parts');
      await store.exec(`OPTIMIZE TABLE ${db}.events FINAL`);
      await store.exec(`OPTIMIZE TABLE ${db}.person_timeline FINAL`);
      mkdirSync(join(dir, 'generated'), { recursive: true });
    }
    const [counts] = await store.query<{ events: string; timeline: string; persons: string }>(
      `SELECT toString((SELECT count() FROM ${db}.events)) AS events, toString((SELECT count() FROM ${db}.person_timeline)) AS timeline,
        toString((SELECT uniqExact(person_hash) FROM ${db}.person_timeline)) AS persons`,
    );
    const sizes = await store.query<{ table: string; compressed: string; rows: string }>(
      `SELECT table, toString(sum(data_compressed_bytes)) AS compressed, toString(sum(rows)) AS rows FROM system.parts
       WHERE database = {db:String} AND active AND table IN ('events', 'person_timeline') GROUP BY table ORDER BY table`,
      { db },
    );
    const ctx = { store, projectId: 'shop', timezone: 'UTC', now: () => Date.UTC(2025, 5, 30) };
    // Hands memory the allocator kept from the previous query back to the system before each
    // timed query, so each peak is that query's own (plus the caches every query shares).
    const settle = () => store.exec('SYSTEM JEMALLOC PURGE');
    const def = (steps: readonly string[], extra: Partial<FunnelDefinition> = {}): FunnelDefinition => ({ steps: steps.map((event) => ({ event })), window: '7d', ...extra });
    const steps20 = Array.from({ length: 20 }, (_, i) => STEPS4[i % 4] as string);
    const cases: Array<{ label: string; def: FunnelDefinition; wf?: readonly string[] }> = [
      { label: '4 steps, 7-day window', def: def(STEPS4), wf: STEPS4 },
      { label: '4 steps by device (typed column, step 1)', def: def(STEPS4, { breakdown: { type: 'column', property: 'device_type' } }) },
      { label: '4 steps by sex (person property)', def: def(STEPS4, { breakdown: { type: 'person', property: 'sex' } }) },
      { label: '4 steps counted by session (30 min)', def: def(STEPS4, { unit: 'session', session: { timeout: '30m' } }) },
      { label: '20 steps (the 4 repeated 5 times)', def: def(steps20), wf: steps20 },
    ];
    const rows: Array<{ label: string; timeline: Measured; events: Measured; wf?: Measured }> = [];
    for (const c of cases) {
      log(c.label);
      const fns: Array<() => Promise<unknown>> = [
        () => funnelAnalysis.run(ctx, c.def),
        () => runFunnel(ctx, c.def, { source: 'events' }),
        ...(c.wf ? [() => store.query(windowFunnelSql(db, c.wf!), stepParams(c.wf!))] : []),
      ];
      const [timeline, events, wf] = await measureRow(runs, fns, settle);
      rows.push({ label: c.label, timeline: timeline!, events: events!, ...(wf ? { wf } : {}) });
    }
    // The other per-person analyses over the whole range, each with its old path.
    const range = { from: '2025-01-01', to: '2025-06-30' };
    const pathsDef = pathsDefinitionSchema.parse({ startEvent: 'home', steps: 3, sessionTimeout: '30m', ...range });
    const retentionDef = retentionDefinitionSchema.parse({ cohortEvent: 'home', returnEvent: 'search', interval: 'week', periods: 8, ...range });
    const engagementDef = engagementDefinitionSchema.parse({ contentEvents: ['search'], report: 'daily', ...range });
    const analyses: Array<{ label: string; timeline: () => Promise<unknown>; events: () => Promise<unknown>; baseline?: () => Promise<unknown> }> = [
      { label: 'paths: 3 steps after home, 30-min sessions', timeline: () => runPaths(ctx, pathsDef, { source: 'timeline' }), events: () => runPaths(ctx, pathsDef, { source: 'events' }) },
      { label: 'retention: weekly cohorts of home, returning with search, 8 periods', timeline: () => runRetention(ctx, retentionDef, { source: 'timeline' }), events: () => runRetention(ctx, retentionDef, { source: 'events' }) },
      { label: 'engagement: daily time on search views, 30-min sessions', timeline: () => runEngagement(ctx, engagementDef, { source: 'timeline' }), events: () => runEngagement(ctx, engagementDef, { source: 'events' }) },
    ];
    // The sessions daily report also races the window-function SQL a data team would write
    // (bench/baselines/sessions-baseline.ts); all three must return the same days.
    const sessionsDef = sessionsDefinitionSchema.parse({ timeout: '30m', intent: { events: ['search'] }, success: { events: ['payment'] }, view: 'daily' });
    const baseline = sessionsBaselineSql({ database: db, projectId: 'shop', timeoutMs: 30 * 60_000, intentEvents: ['search'], successEvents: ['payment'] });
    const days = async (source: 'timeline' | 'events') => {
      const r = await runSessions(ctx, sessionsDef, source);
      if (r.view !== 'daily') throw new Error('expected the daily view');
      return r.days;
    };
    const answers: Record<string, unknown> = {};
    const keep = (name: string, f: () => Promise<unknown>) => async () => { answers[name] = await f(); };
    analyses.unshift({
      label: 'sessions daily report (30 min; intent search, success payment)',
      timeline: keep('timeline', () => days('timeline')),
      events: keep('events', () => days('events')),
      baseline: keep('baseline', () => store.query<SessionDay>(baseline.sql, baseline.params)),
    });
    const others: Array<{ label: string; timeline: Measured; events: Measured; baseline?: Measured }> = [];
    for (const a of analyses) {
      log(a.label);
      const [timeline, events, base] = await measureRow(runs, [a.timeline, a.events, ...(a.baseline ? [a.baseline] : [])], settle);
      others.push({ label: a.label, timeline: timeline!, events: events!, ...(base ? { baseline: base } : {}) });
    }
    deepStrictEqual(answers.events, answers.timeline, 'sessions report: timeline and events table differ');
    // The baseline has the timeout rule only (no identity links, no maximum length): say whether
    // it agreed rather than lose a long run over it.
    const sameDays = (a: unknown, b: unknown) => { try { deepStrictEqual(a, b); return true; } catch { return false; } };
    const baselineAgrees = sameDays(answers.baseline, answers.timeline);
    const ms = (m?: Measured) => (m ? `${fmt(m.ms)} ms` : '–');
    const mem = (m?: Measured) => (m ? fmt(m.peakMiB) : '–');
    const ratio = (a?: Measured, b?: Measured) => (a && b ? `${fmt(b.ms / a.ms, 2)}×` : '–');
    const four = rows[0]!.timeline.ms;
    const sizeOf = (t: string) => Number(sizes.find((s) => s.table === t)?.compressed ?? NaN) / 2 ** 20;
    const markdown = [
      `${fmt(Number(counts?.events))} e-commerce demo events (${fmt(Number(counts?.persons))} persons, 180 days${fresh ? `; both tables generated in ${fmt(generateMs / 1000)} s` : '; data generated by an earlier run and reused'}), embedded engine, one process, parts merged; median of ${runs} runs after a warm-up, the three queries of a row taking turns. Peak MiB: the process's resident high-water mark during each query, reset after \`SYSTEM JEMALLOC PURGE\` returns what the previous query left with the allocator; it includes the caches all queries share. Speed-up = old path (or windowFunnel) time / timeline time.`,
      '',
      table(['funnel', 'timeline', 'events table (old path)', 'windowFunnel on events', 'speed-up vs old path', 'speed-up vs windowFunnel', '× the 4-step funnel', 'peak MiB (timeline / old / windowFunnel)'],
        rows.map((r) => [r.label, ms(r.timeline), ms(r.events), ms(r.wf), ratio(r.timeline, r.events), ratio(r.timeline, r.wf), `${fmt(r.timeline.ms / four, 2)}×`, `${mem(r.timeline)} / ${mem(r.events)} / ${mem(r.wf)}`])),
      '',
      table(['analysis', 'timeline', 'events table (old path)', 'window-function baseline', 'speed-up vs old path', 'speed-up vs baseline', 'peak MiB (timeline / old / baseline)'],
        others.map((r) => [r.label, ms(r.timeline), ms(r.events), ms(r.baseline), ratio(r.timeline, r.events), ratio(r.timeline, r.baseline), `${mem(r.timeline)} / ${mem(r.events)} / ${mem(r.baseline)}`])),
      '',
      `Sessions report: timeline and events table asserted equal, day by day and column by column; the window-function baseline (timeout rule only, no identity links or maximum length) ${baselineAgrees ? 'returned identical rows' : 'differed, so its time is for a slightly different question'}.`,
      '',
      `Storage (compressed): events ${fmt(sizeOf('events'))} MiB, person timeline ${fmt(sizeOf('person_timeline'))} MiB (${fmt(sizeOf('person_timeline') / sizeOf('events') * 100)}% of events). Timeline rows: ${fmt(Number(counts?.timeline))}.`,
    ].join('\n');
    return saveSection({ section: 'timeline', title: 'Person timeline', markdown, data: { events: Number(counts?.events), persons: Number(counts?.persons), fresh, generateMs, sizes, rows, analyses: others, sessionsBaselineAgrees: baselineAgrees } });
  } finally {
    await store.close();
  }
}
