// The loader alone, in a process of its own (one engine data directory per process): posts
// `batches` batches of 500 events with the loader stopped, then starts it and times how long it
// takes to store them all. With `without-timeline` the person timeline's view is dropped first,
// so the two runs differ only in that table. Prints a JSON summary line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';

const [batchesArg, variant, flushArg] = process.argv.slice(2);
const batches = Number(batchesArg);
const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-bench-loader-'));
// No backpressure: the log fills with the loader stopped, which is the point.
const config = loadConfig({ dataDir, port: 0, logLevel: 'silent', maxLagBytes: 0, maxLagSeconds: 0, ...(flushArg ? { flushMaxEvents: Number(flushArg) } : {}) }, {});
const app = await startApp(config);
try {
  if (variant === 'without-timeline') await app.store.exec(`DROP VIEW IF EXISTS ${app.store.database}.person_timeline_mv`);
  const res = await fetch(app.url + '/v1/projects', {
    method: 'POST',
    headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { writeKey } = await res.json();
  const auth = `Basic ${Buffer.from(writeKey + ':').toString('base64')}`;
  await app.loader.stop();
  let n = 0;
  const event = () => {
    n++;
    return {
      type: 'track', userId: `user-${n % 10_000}`, event: ['home', 'search', 'payment', 'confirmation'][n % 4], messageId: `drain-${n}`,
      timestamp: new Date().toISOString(), properties: { article_id: String(n % 5000), price: (n % 97) + 0.5, currency: 'EUR' },
      context: { page: { url: 'https://shop.example/search?q=shoes', path: '/search', referrer: 'https://google.com/' }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', locale: 'de-DE' },
    };
  };
  for (let b = 0; b < batches; b++) {
    const r = await fetch(app.url + '/v1/batch', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: Array.from({ length: 500 }, event) }) });
    if (r.status !== 200) throw new Error(`batch answered ${r.status}: ${await r.text()}`);
  }
  const t0 = performance.now();
  app.loader.start();
  while (app.loader.stats().lagBytes > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const [row] = await app.store.query(`SELECT toString(count()) AS n FROM ${app.store.database}.events`);
  const [tl] = await app.store.query(`SELECT toString(count()) AS n FROM ${app.store.database}.person_timeline`);
  console.log(JSON.stringify({ variant, events: n, stored: Number(row.n), timelineRows: Number(tl.n), seconds, eventsPerSec: n / seconds }));
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
