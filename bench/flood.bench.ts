/**
 * A flood: 4 connections send 500-event batches as fast as the server answers, for `seconds`,
 * against `clickpath serve` in another process, twice in one run: with the default lag limits
 * (backpressure) and with them off. Measured side by side: the collector's acceptance rate
 * (acknowledged events/s), the loader's sustained rate (events stored/s, acknowledged →
 * queryable), 503 answers, the server's RSS sampled every 5 s (flat or growing), and after the
 * flood, the drain time and that every acknowledged event was stored exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, saveSection, startServerProcess, table, type SectionResult } from './bench-kit.js';

interface Options {
  readonly seconds: number;
}

interface FloodRun {
  readonly label: string;
  readonly acceptedPerSec: number;
  readonly loadedPerSec: number;
  readonly refused503: number;
  readonly rssMiB: number[];
  /** JS heap used + external (buffers) per sample: what the Node side holds. */
  readonly heapMiB: number[];
  readonly lagMiB: number[];
  readonly drainSeconds: number;
  readonly acknowledged: number;
  readonly stored: number;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

function batchBody(run: number, request: number): string {
  const batch = Array.from({ length: 500 }, (_, j) => ({
    type: 'track', userId: `user-${(request * 500 + j) % 20_000}`, event: ['home', 'search', 'payment', 'confirmation'][j % 4],
    messageId: `flood-${run}-${request}-${j}`, properties: { article_id: String(j % 5000), price: (j % 97) + 0.5 },
    context: { page: { url: 'https://shop.example/search?q=shoes', path: '/search' }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' },
  }));
  return JSON.stringify({ batch });
}

async function flood(label: string, runNo: number, seconds: number, extraArgs: readonly string[]): Promise<FloodRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-bench-flood-'));
  const server = await startServerProcess(['--data-dir', dataDir, '--port', '0', ...extraArgs]);
  try {
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const admin = { authorization: `Bearer ${adminKey}` };
    const project = (await (await fetch(server.url + '/v1/projects', { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'flood' }) })).json()) as { writeKey: string; projectId: string };
    const status = async () => (await (await fetch(server.url + '/v1/status', { headers: { ...admin, 'x-clickpath-project': project.projectId } })).json()) as { eventsStored: number; log: { lagBytes: number } };
    const auth = `Basic ${Buffer.from(project.writeKey + ':').toString('base64')}`;
    let acknowledged = 0;
    let refused503 = 0;
    let request = 0;
    const end = Date.now() + seconds * 1000;
    const sender = async () => {
      while (Date.now() < end) {
        const res = await fetch(server.url + '/v1/batch', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: batchBody(runNo, request++) });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged += 500;
        else if (res.status === 503) {
          refused503 += 1;
          // As an SDK does: wait what Retry-After says before the next try.
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        }
      }
    };
    const rss: number[] = [];
    const lag: number[] = [];
    const pid = server.child.pid ?? 0;
    const heap: number[] = [];
    const sampler = setInterval(() => {
      void rssMiB(pid).then((m) => rss.push(m));
      void fetch(server.url + '/healthz').then((r) => r.json()).then((h) => heap.push((h as { memoryMiB: { heapUsed: number; external: number } }).memoryMiB.heapUsed + (h as { memoryMiB: { external: number } }).memoryMiB.external)).catch(() => undefined);
      void status().then((s) => lag.push(s.log.lagBytes / 1024 / 1024)).catch(() => undefined);
    }, 5000);
    const t0 = performance.now();
    const stored0 = (await status()).eventsStored;
    await Promise.all(Array.from({ length: 4 }, sender));
    const floodSeconds = (performance.now() - t0) / 1000;
    const storedAtEnd = (await status()).eventsStored;
    clearInterval(sampler);
    const d0 = performance.now();
    let s = await status();
    while (s.log.lagBytes > 0) {
      await new Promise((r) => setTimeout(r, 500));
      s = await status();
    }
    const drainSeconds = (performance.now() - d0) / 1000;
    return {
      label, acceptedPerSec: acknowledged / floodSeconds, loadedPerSec: (storedAtEnd - stored0) / floodSeconds, refused503,
      rssMiB: rss, heapMiB: heap, lagMiB: lag, drainSeconds, acknowledged, stored: s.eventsStored,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function floodBench(opts: Options = { seconds: 180 }): Promise<SectionResult> {
  const runs = [
    await flood('backpressure on (defaults: 64 MiB / 30 s)', 1, opts.seconds, []),
    await flood('backpressure off (--max-lag-bytes 0 --max-lag-seconds 0)', 2, opts.seconds, ['--max-lag-bytes', '0', '--max-lag-seconds', '0']),
  ];
  const rssLine = (r: FloodRun) => r.rssMiB.filter((x) => Number.isFinite(x)).map((x) => fmt(x)).join(' → ');
  const markdown = [
    `4 connections send 500-event batches for ${opts.seconds} s against \`clickpath serve\` (embedded store, another process, loopback), waiting Retry-After on a 503 as SDKs do. Both runs in one session, one after the other.`,
    '',
    table(['run', 'acknowledged events/s (collector)', 'stored events/s during the flood (loader)', '503 answers', 'drain after the flood', 'acknowledged = stored'], runs.map((r) => [
      r.label, fmt(r.acceptedPerSec), fmt(r.loadedPerSec), r.refused503, `${fmt(r.drainSeconds, 1)} s`, r.acknowledged === r.stored ? `yes (${fmt(r.stored)})` : `NO: ${fmt(r.acknowledged)} vs ${fmt(r.stored)}`,
    ])),
    '',
    ...runs.map((r) => `Server RSS every 5 s, ${r.label}: ${rssLine(r)} MiB; of it JS heap + buffers: ${r.heapMiB.map((x) => fmt(x)).join(' → ')} MiB; unloaded log: ${r.lagMiB.map((x) => fmt(x)).join(' → ')} MiB.`),
  ].join('\n\n');
  return saveSection({ section: 'flood', title: 'Flood: backpressure, loader rate and memory', markdown, data: { seconds: opts.seconds, runs } });
}
