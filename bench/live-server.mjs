// The live bench's server, in its own process and run from the compiled build (dist/), as users
// run the server: seeds the engine with four hours of article views, then serves with the live
// module. Plain JavaScript so no TypeScript loader runs inside the measured process.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { loadConfig } = await dist('config/config.js');
const { startApp } = await dist('app.js');
const { createLivePlugin } = await dist('live/live.plugin.js');

const dataDir = process.env.CLICKPATH_LIVE_BENCH_DATA_DIR;
const seedEvents = Number(process.env.CLICKPATH_LIVE_BENCH_SEED ?? 1_000_000);
const articles = Number(process.env.CLICKPATH_LIVE_BENCH_ARTICLES ?? 2000);
if (!dataDir) throw new Error('CLICKPATH_LIVE_BENCH_DATA_DIR is not set');

// The server's event-loop delay per phase tells CPU starvation inside the process apart from
// time spent in the engine.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let live;
const probe = (app) => {
  app.get('/bench/event-loop', async () => {
    // `answers`: how many reads live views answered and how many went to the engine reader.
    const out = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, answers: live.reader.stats() };
    loop.reset();
    return out;
  });
};
const app = await startApp(loadConfig({ dataDir, port: 0, logLevel: 'warn' }, {}), { plugins: [createLivePlugin({ onReady: (l) => (live = l) }), probe] });
const project = await app.registry.create('live bench');
const db = app.store.database;
const now = Date.now();
// Four hours of history straight into the engine (as the demo generator does); the live tables
// fill through their materialized views like for loaded events.
for (let done = 0; done < seedEvents; done += 250_000) {
  await app.store.exec(
    `INSERT INTO ${db}.events (project_id, event_id, type, event, person_id, user_id, timestamp, received_at, properties)
     SELECT {p:String}, generateUUIDv4(), 'track', if(number % 10 = 0, 'transaction_item', 'detailsView'),
            concat('reader-', toString(number % 20000)), concat('reader-', toString(number % 20000)),
            fromUnixTimestamp64Milli(toInt64({now:Int64} - 4 * 3600000 + intDiv(number * 4 * 3600000, {n:UInt64})), 'UTC'),
            now64(3), map('article_id', toString(toUInt32({articles:UInt32} * pow(randCanonical(), 3))))
     FROM numbers({from:UInt64}, {count:UInt64})`,
    { p: project.projectId, now, n: seedEvents, articles, from: done, count: Math.min(250_000, seedEvents - done) },
  );
}
// Merge the seed now: a steady state, not the seed's background merges, is what is measured.
for (const table of ['events', 'live_points', 'live_minutes', 'live_minutes_by_time', 'live_hours_by_time']) {
  await app.store.exec(`OPTIMIZE TABLE ${db}.${table} FINAL`);
}
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.stdout.write(JSON.stringify({ url: app.url, writeKey: project.writeKey, liveKey: project.liveKey }) + '\n');
