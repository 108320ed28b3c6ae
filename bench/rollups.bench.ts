/**
 * Saved reports: what an incremental run costs after 1% new data, against recomputing the report
 * in full. N e-commerce demo events over 90 days; three reports (events per day, events per hour
 * of one event, sessions per day with intent → success); each materialized once, then 1% more
 * events arrive twice (a day of live traffic; recent traffic with a late backlog 8-10 days old)
 * and each incremental run is timed against (a) one run of the analysis over the whole range, the cheapest
 * full recomputation, median of 3 after a warm-up, and (b) materializing a new report from
 * scratch. The incremental result is checked to equal (b).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore } from '../src/store/chdb-store.js';
import { migrate } from '../src/store/migrations.js';
import { generateDemo } from '../src/demo/generate-demo.js';
import { AnalysisRegistry } from '../src/analyses/registry.js';
import { ALL_ANALYSES } from '../src/analyses/all.js';
import { createReports } from '../src/reports/reports-module.js';
import { bucketRange } from '../src/reports/report-plan.js';
import { bucketKeyOf, type Interval } from '../src/analyses/shared/time-buckets.js';
import { fmt, median, saveSection, table, timeRuns, type SectionResult } from './bench-kit.js';

const DAY = 86_400_000;
const TZ = 'Europe/Berlin';

interface BenchReport {
  readonly name: string;
  readonly label: string;
  readonly analysis: string;
  readonly definition: Record<string, unknown>;
  readonly interval: Interval;
}

const REPORTS: readonly BenchReport[] = [
  { name: 'events-per-day', label: 'trends: events per day', analysis: 'trends', definition: { interval: 'day' }, interval: 'day' },
  { name: 'searches-per-hour', label: 'trends: searches per hour', analysis: 'trends', definition: { interval: 'hour', event: 'search' }, interval: 'hour' },
  {
    name: 'sessions-per-day', label: 'sessions per day (intent → success)', analysis: 'sessions', interval: 'day',
    definition: { intent: { events: ['search'] }, success: { events: ['confirmation'] } },
  },
];

interface Scenario {
  readonly key: string;
  readonly label: string;
  readonly description: string;
  readonly parts: ReadonlyArray<{ events: number; seed: number; end: Date }>;
}

/** Two kinds of 1%: a day of live traffic, and recent traffic plus a late backlog. */
function scenarios(events: number, end: Date): Scenario[] {
  const one = Math.round(events * 0.01);
  const recent = Math.round(events * 0.008);
  return [
    {
      key: 'live', label: 'live day',
      description: `${fmt(one)} events timestamped in the last day and the new day after it (two days of demo traffic ending a day after the data)`,
      parts: [{ events: one, seed: 8, end: new Date(end.getTime() + DAY) }],
    },
    {
      key: 'late', label: 'recent + late',
      description: `${fmt(recent)} events in the newest two days, and ${fmt(one - recent)} late ones timestamped 8 to 10 days before the end`,
      parts: [{ events: recent, seed: 9, end: new Date(end.getTime() + 2 * DAY) }, { events: one - recent, seed: 10, end: new Date(end.getTime() - 8 * DAY) }],
    },
  ];
}

/**
 * Waits (at most 2 minutes) until the engine has merged the parts the new events arrived in. A
 * scheduled run meets data that landed over hours, long merged; timed straight after a 1M-row
 * insert, the run would share the 2 cores with those merges.
 */
async function mergesSettled(store: ChdbStore): Promise<void> {
  const until = performance.now() + 120_000;
  while (performance.now() < until) {
    const [row] = await store.query<{ n: string }>(`SELECT toString(count()) AS n FROM system.merges WHERE database = 'bench'`);
    if (Number(row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface RollupsOptions {
  /** Events before the 1% arrive (default 100M; `npm run bench -- --only rollups --events N`). */
  readonly events?: number;
  readonly runs?: number;
}

export async function rollupsBench(options: RollupsOptions = {}): Promise<SectionResult> {
  const events = options.events ?? 100_000_000;
  const runs = options.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-bench-rollups-'));
  const store = await ChdbStore.open({ dataDir: dir, database: 'bench' });
  try {
    await migrate(store);
    const end = new Date(Date.UTC(2025, 5, 30));
    const t0 = performance.now();
    await generateDemo(store, { scenario: 'ecommerce', projectId: 'shop', events, seed: 7, end, days: 90 });
    console.log(`generated ${fmt(events)} events in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    const analyses = new AnalysisRegistry(ALL_ANALYSES);
    // No overlap: the bulk load happened seconds ago and would otherwise be looked at again
    // (see docs/reports.md, "watermark").
    const reports = createReports({ store, analyses, now: () => end.getTime() + 2 * DAY, timezoneOf: () => TZ, exportRoot: join(dir, 'exports'), overlapMs: 0 });
    const project = { projectId: 'shop', timezone: TZ };

    const first: Record<string, { ms: number; buckets: number }> = {};
    for (const r of REPORTS) {
      await reports.service.create(project, { name: r.name, analysis: r.analysis, definition: r.definition });
      const run = await reports.service.run(project, r.name);
      if (run.status !== 'finished') throw new Error(`${r.name}: ${run.error}`);
      first[r.name] = { ms: run.durationMs ?? NaN, buckets: run.buckets };
      console.log(`${r.name}: first materialization ${fmt(run.durationMs ?? NaN)} ms, ${run.buckets} buckets`);
    }

    const rows: Array<Array<string | number>> = [];
    const data: Record<string, unknown> = {};
    for (const scenario of scenarios(events, end)) {
      for (const part of scenario.parts) {
        await generateDemo(store, { scenario: 'ecommerce', projectId: 'shop', events: part.events, seed: part.seed, end: part.end, days: 2 });
      }
      await mergesSettled(store);
      const [{ lo, hi } = { lo: 0, hi: 0 }] = await store.query<{ lo: number; hi: number }>(
        `SELECT toUnixTimestamp64Milli(min(timestamp)) AS lo, toUnixTimestamp64Milli(max(timestamp)) AS hi FROM bench.events WHERE project_id = 'shop'`,
      );
      for (const r of REPORTS) {
        const inc = await reports.service.run(project, r.name);
        if (inc.status !== 'finished') throw new Error(`${r.name}: ${inc.error}`);
        const idle = await reports.service.run(project, r.name);
        const analysis = analyses.get(r.analysis);
        if (!analysis) throw new Error(`no analysis ${r.analysis}`);
        const range = { from: bucketRange(bucketKeyOf(Number(lo), r.interval, TZ), r.interval, TZ).from, to: bucketRange(bucketKeyOf(Number(hi), r.interval, TZ), r.interval, TZ).to };
        const definition = analysis.schema.parse({ ...r.definition, ...range });
        const whole = median(await timeRuns(runs, () => analysis.run({ store, projectId: 'shop', timezone: TZ, now: () => end.getTime() + 2 * DAY }, definition)));
        const freshName = `${r.name}-fresh`;
        await reports.service.create(project, { name: freshName, analysis: r.analysis, definition: r.definition });
        const fresh = await reports.service.run(project, freshName);
        const same = JSON.stringify(await reports.service.results(project, r.name)) === JSON.stringify(await reports.service.results(project, freshName));
        await reports.service.remove(project, freshName);
        const incMs = inc.durationMs ?? NaN;
        const cheapest = Math.min(whole, fresh.durationMs ?? Infinity);
        data[`${scenario.key}/${r.name}`] = {
          firstMs: first[r.name]?.ms, incrementalMs: incMs, incrementalBuckets: inc.buckets, idleMs: idle.durationMs,
          wholeRangeMs: whole, freshMs: fresh.durationMs, freshBuckets: fresh.buckets, identical: same,
        };
        rows.push([
          scenario.label, r.label, fmt(incMs), String(inc.buckets), fmt(idle.durationMs ?? NaN), fmt(whole), `${fmt(fresh.durationMs ?? NaN)} (${fresh.buckets})`,
          `1/${fmt(cheapest / incMs, 1)}`, cheapest / incMs >= 20 ? 'met' : 'NOT met', same ? 'yes' : 'NO',
        ]);
        console.log(`${scenario.key} ${r.name}: incremental ${fmt(incMs)} ms (${inc.buckets} buckets), whole range ${fmt(whole)} ms, fresh ${fmt(fresh.durationMs ?? NaN)} ms, identical ${same}`);
      }
    }
    const [{ n: total } = { n: '0' }] = await store.query<{ n: string }>(`SELECT toString(count()) AS n FROM bench.events`);
    const markdown = [
      `${fmt(events)} e-commerce demo events over 90 days (project zone ${TZ}); each report materialized once (${REPORTS.map((r) => `${r.name} ${fmt(first[r.name]?.ms ?? NaN)} ms`).join(', ')}). Then two batches of 1% more events, each followed by an incremental run (${fmt(Number(total))} events at the end):`,
      '',
      ...scenarios(events, end).map((s) => `- **${s.label}**: ${s.description}`),
      '',
      `Times are one run each, except the whole-range analysis: median of ${runs} after a warm-up. Runs start once the engine has finished merging the parts the new events landed in, as a scheduled run finds them. The embedded engine on this machine.`,
      '',
      table(
        ['new data', 'report', 'incremental run (ms)', 'buckets recomputed', 'run with nothing new (ms)', 'whole-range analysis (ms)', 'materialize from scratch (ms, buckets)', 'incremental / cheapest full', 'goal ≤ 1/20', 'same result as from scratch'],
        rows,
      ),
      '',
      'An incremental run finds the buckets touched since its watermark (`loaded_at`), widens them by the report\'s dependency span (sessions: ±2 days), and recomputes consecutive buckets with one analysis run each; its fixed cost (finding touched buckets, run records, bucket versions) is the "nothing new" column. Sessions per day keep a row per (day, person): a run recomputes only the persons the new rows belong to (and those a login relinks) on those days, then adds the days up from the stored rows, so its cost follows the new data\'s persons rather than whole days of everyone\'s events.',
    ].join('\n');
    return saveSection({ section: 'rollups', title: 'Saved reports: incremental runs vs full recomputation', markdown, data: { events, runs: data } });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
