import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createInterface } from 'node:readline';
import http from 'node:http';
const dataDir = mkdtempSync('/tmp/probe-live-');
const child = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2'] : []), new URL('../live-server.mjs', import.meta.url).pathname], { env: { ...process.env, CLICKPATH_LIVE_BENCH_DATA_DIR: dataDir, CLICKPATH_LIVE_BENCH_SEED: '1000000' }, stdio: ['ignore', 'pipe', 'inherit'] });
const info = await new Promise((r) => createInterface({ input: child.stdout }).on('line', (l) => l.startsWith('{') && r(JSON.parse(l))));
const url = new URL(info.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const get = (path) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  http.get({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${info.liveKey}` } }, (res) => {
    res.resume(); res.on('end', () => resolve(performance.now() - t0));
  }).on('error', reject);
});
await fetch(info.url + '/v1/track', { method: 'POST', headers: { authorization: `Basic ${Buffer.from(info.writeKey + ':').toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify({ event: 'w', userId: 'b' }) });
await new Promise((r) => setTimeout(r, 2500));
if (process.env.INGEST) spawn(process.execPath, [new URL('./ingest-load.mjs', import.meta.url).pathname, info.url, info.writeKey, String(Number(process.env.SECS ?? 40) + 2)], { stdio: 'inherit' });
const art = () => String(Math.floor(2000 * Math.random() ** 3));
const samples = [];
const end = Date.now() + Number(process.env.SECS ?? 40) * 1000;
let inflight = [];
while (Date.now() < end) {
  const at = Date.now();
  inflight.push(get(`/v1/live/count?event=detailsView&key=article_id&value=${art()}&window=4h`).then((ms) => samples.push({ at, ms })));
  await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(inflight);
samples.sort((a, b) => b.ms - a.ms);
console.log('n', samples.length, 'p50', samples[Math.floor(samples.length / 2)].ms.toFixed(1), 'p99', samples[Math.floor(samples.length / 100)].ms.toFixed(1));
for (const s of samples.slice(0, 25)) console.log(new Date(s.at).toISOString().slice(14, 23), s.ms.toFixed(1));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
