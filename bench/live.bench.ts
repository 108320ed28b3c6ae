/**
 * Live counters under load: a server with the live module (its own process, bench/live-server.mjs,
 * run from the build) holds four hours of article views (seeded in the engine, 2,000 articles, skewed), takes
 * 5,000 events/s over HTTP, and answers live queries at a fixed rate from a second load generator:
 *  - the single counter (one article's views in the last 4 h, the article page);
 *  - the top-100 list of the last 4 h (the home page);
 *  - freshness: a probe event with a value of its own is sent every 250 ms, and the counter for
 *    it is polled until it shows 1 (ack → counted, end to end over HTTP).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, fmt, median, peakRssMiB, percentile, saveSection, table, type SectionResult } from './bench-kit.js';

interface Options {
  readonly seconds: number;
  /** Events seeded over the 4 hours before the run. */
  readonly seedEvents?: number;
}

const ARTICLES = 2000;
const CHILD_ENV = 'CLICKPATH_LIVE_BENCH_DATA_DIR';

/** Skewed article popularity, as on a news site: low numbers are read far more. */
const article = (): string => String(Math.floor(ARTICLES * Math.random() ** 3));

interface ServerInfo {
  readonly url: string;
  readonly writeKey: string;
  readonly liveKey: string;
}

async function startChild(dataDir: string, seedEvents: number): Promise<{ child: ChildProcess; info: ServerInfo; stop: () => Promise<void> }> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(new URL('./live-server.mjs', import.meta.url))], {
    env: { ...process.env, [CHILD_ENV]: dataDir, CLICKPATH_LIVE_BENCH_SEED: String(seedEvents), CLICKPATH_LIVE_BENCH_ARTICLES: String(ARTICLES) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as ServerInfo);
    });
    child.once('exit', (code) => reject(new Error(`live bench server exited with ${code}`)));
  });
  const stop = () => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { child, info, stop };
}

function run(url: string, opts: Omit<autocannon.Options, 'url'>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts, url } as autocannon.Options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Sends a probe every 250 ms and polls its counter until it shows; returns ack → counted times. */
async function freshness(info: ServerInfo, until: number): Promise<number[]> {
  const samples: number[] = [];
  const write = `Basic ${Buffer.from(info.writeKey + ':').toString('base64')}`;
  for (let i = 0; performance.now() < until; i++) {
    const value = `probe-${process.pid}-${i}`;
    const sent = await fetch(info.url + '/v1/track', {
      method: 'POST',
      headers: { authorization: write, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'detailsView', userId: 'prober', messageId: value, properties: { article_id: value } }),
    });
    if (sent.status !== 200) throw new Error(`probe not accepted: ${sent.status}`);
    const acked = performance.now();
    for (;;) {
      const res = await fetch(`${info.url}/v1/live/count?event=detailsView&key=article_id&value=${value}&window=1m`, { headers: { authorization: `Bearer ${info.liveKey}` } });
      if (((await res.json()) as { count?: number }).count === 1) break;
      if (performance.now() - acked > 30_000) throw new Error(`probe ${value} was not counted within 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    samples.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, 250));
  }
  return samples;
}

export async function liveBench(opts: Options = { seconds: 10 }): Promise<SectionResult> {
  const seedEvents = opts.seedEvents ?? 1_000_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-bench-live-'));
  const server = await startChild(dataDir, seedEvents);
  try {
    const { info } = server;
    const auth = { authorization: `Bearer ${info.liveKey}` };
    // 5,000 events/s from a process of its own (bench/live-ingest.mjs).
    let phases = 0;
    const ingest = async (): Promise<void> => {
      const child = spawn(process.execPath, [fileURLToPath(new URL('./live-ingest.mjs', import.meta.url)), info.url, info.writeKey, String(opts.seconds), `${process.pid}-${phases++}`], {
        env: { ...process.env, CLICKPATH_LIVE_BENCH_ARTICLES: String(ARTICLES) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      const summary = JSON.parse(out.trim() || '{}') as { requests?: number; non2xx?: number; errors?: number };
      if (code !== 0 || summary.non2xx !== 0 || summary.errors !== 0) throw new Error(`ingest load failed: exit ${code}, ${out.trim()}`);
    };
    const queries = (path: () => string) => run(info.url, {
      connections: 16,
      duration: opts.seconds,
      overallRate: 200,
      requests: [{ method: 'GET', headers: auth, setupRequest: (req) => ({ ...req, path: path() }) }],
    });
    const counterPath = () => `/v1/live/count?event=detailsView&key=article_id&value=${article()}&window=4h`;
    const topPath = () => '/v1/live/top?event=detailsView&key=article_id&window=4h&limit=100';
    const pid = server.child.pid ?? 0;

    // Alone first (what the live module costs), then beside 5,000 events/s of ingest.
    type Answers = { views: number; engine: number };
    const eventLoop = async () => (await (await fetch(info.url + '/bench/event-loop')).json()) as { p50: number; p99: number; max: number; answers: Answers };
    const phase = async (path: () => string, withIngest: boolean) => {
      const cpu0 = await cpuSeconds(pid);
      const before = (await eventLoop()).answers;
      const t0 = performance.now();
      const [, result] = await Promise.all([withIngest ? ingest() : Promise.resolve(), queries(path)]);
      const cpu = (await cpuSeconds(pid)) - cpu0;
      const loop = await eventLoop();
      const fromViews = (loop.answers.views - before.views) / Math.max(1, loop.answers.views - before.views + loop.answers.engine - before.engine);
      return { result, serverCpu: cpu / ((performance.now() - t0) / 1000), loop, fromViews };
    };
    // A server that has loaded once, as every running server has: before its first load the live
    // views cannot tell the log's first record from rows written straight into the engine, and
    // every answer comes from the engine reader.
    await fetch(info.url + '/v1/track', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(info.writeKey + ':').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'warmUp', userId: 'bench', properties: {} }),
    });
    await new Promise((r) => setTimeout(r, 2500));
    // The first read of a family and window length loads its views (engine reads): timed on its
    // own, then the phases measure the steady state.
    const coldStart = async (path: string) => {
      const t0 = performance.now();
      const res = await fetch(info.url + path, { headers: auth });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return performance.now() - t0;
    };
    const cold = { counter: await coldStart(counterPath()), top: await coldStart(topPath()) };
    const counterIdle = await phase(counterPath, false);
    const topIdle = await phase(topPath, false);
    const counter = await phase(counterPath, true);
    const top = await phase(topPath, true);
    const fresh = await Promise.all([ingest(), freshness(info, performance.now() + opts.seconds * 1000)]).then(([, s]) => s);
    const rss = await peakRssMiB(pid);

    type Phase = Awaited<ReturnType<typeof phase>>;
    const row = (label: string, p: Phase) => [
      label, fmt(p.result.requests.average, 1), `${fmt(p.result.latency.p50, 1)} ms`, `${fmt(p.result.latency.p99, 1)} ms`, p.result.non2xx,
      `${fmt(p.serverCpu * 100)} %`, `${fmt(p.loop.p99, 1)} ms`, `${fmt(p.fromViews * 100)} %`,
    ];
    const ok = (p99: number, goal: number) => `${fmt(p99, 1)} ms, ${p99 <= goal ? 'met' : 'NOT met'}`;
    const markdown = [
      `Server: the live module in its own process (embedded store), seeded with ${fmt(seedEvents)} article events over the last 4 hours (${fmt(ARTICLES)} articles, skewed). Each phase lasts ${opts.seconds} s (${fmt(200 * opts.seconds)} requests, so p99 is the ${fmt(2 * opts.seconds)}th slowest): a load generator on loopback sends 200 req/s of one query kind with the live key, alone or while another process sends 5,000 events/s over HTTP (100-event batches; all three processes share the 2 cores). Server CPU is the server process's CPU time over wall time (100 % = one core); the event-loop delay is how late the server's timers ran (time a request can wait before its turn).`,
      '',
      table(['query, window 4 h, at 200 req/s', 'requests/s (mean)', 'latency p50', 'latency p99', 'non-2xx', 'server CPU', 'server event-loop delay p99', 'reads answered by live views'], [
        row('single counter (random article, skewed), no ingest', counterIdle),
        row('top-100, no ingest', topIdle),
        row('single counter, ingesting 5,000 events/s', counter),
        row('top-100, ingesting 5,000 events/s', top),
      ]),
      '',
      `Goals while ingesting: counter p99 ≤ 20 ms (${ok(counter.result.latency.p99, 20)}); top-100 p99 ≤ 50 ms (${ok(top.result.latency.p99, 50)}).`,
      '',
      `Counters and top lists are answered from live views (docs/live.md): the first request for a family (event and property) and window length loads them with engine reads, ${fmt(cold.counter)} ms here; the top list that followed, on the same views, took ${fmt(cold.top)} ms. The phases above measure what comes after: views of sliding windows are prepared seconds ahead.`,
      '',
      `Freshness (ack → counted, polled over HTTP every 10 ms), ${fresh.length} probes while ingesting 5,000 events/s: median ${fmt(median(fresh))} ms, p99 ${fmt(percentile(fresh, 99))} ms, max ${fmt(Math.max(...fresh))} ms (goal p99 ≤ 2,000 ms, ${percentile(fresh, 99) <= 2000 ? 'met' : 'NOT met'}). Server peak RSS: ${fmt(rss)} MiB.`,
    ].join('\n');
    const summary = (p: Phase) => ({
      requestsPerSec: p.result.requests.average, p50: p.result.latency.p50, p99: p.result.latency.p99, non2xx: p.result.non2xx, errors: p.result.errors, serverCpu: p.serverCpu, eventLoop: p.loop, fromViews: p.fromViews,
    });
    return saveSection({
      section: 'live',
      title: 'Live counters, top lists and freshness',
      markdown,
      data: {
        seedEvents,
        seconds: opts.seconds,
        coldStartMs: cold,
        counterIdle: summary(counterIdle),
        topIdle: summary(topIdle),
        counter: summary(counter),
        top: summary(top),
        freshness: { samples: fresh.length, median: median(fresh), p99: percentile(fresh, 99), max: Math.max(...fresh) },
        peakRssMiB: rss,
      },
    });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
