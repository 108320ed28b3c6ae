#!/usr/bin/env node
// Shows that a retried insert with the same insert_deduplication_token can lose rows after the
// process was killed mid-insert (docs/embedded-engine.md, "Insert deduplication after a kill").
//
//   node scripts/repro/dedup-token-after-kill.mjs [rounds]
//
// A child process inserts 200 rows spread over 40 partitions (one part each) per statement, each
// statement with its own token, and is SIGKILLed at a random moment. A second child then retries
// the statement that was running, with the same token, as an exactly-once loader would, and
// counts its rows. Usually all 200 are there; now and then a part is missing: the engine had
// recorded the part's deduplication id but not committed the part, so the retry was dropped.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROWS = 200;
const self = fileURLToPath(import.meta.url);
const [mode, dir, arg] = process.argv.slice(2);

if (mode === 'run' || mode === 'retry') {
  const { Session } = createRequire(import.meta.url)('chdb');
  const session = new Session(dir);
  await session.queryAsync(`CREATE TABLE IF NOT EXISTS default.t (i UInt32, k UInt32, pad String)
    ENGINE = MergeTree PARTITION BY k % 40 ORDER BY (i, k)
    SETTINGS non_replicated_deduplication_window = 10000`);
  const insert = (i) => session.insert({
    table: 'default.t',
    values: Array.from({ length: ROWS }, (_, k) => JSON.stringify({ i, k, pad: 'x'.repeat(100) })).join('\n'),
    format: 'JSONEachRow',
    settings: { insert_deduplication_token: `statement-${i}`, max_partitions_per_insert_block: 1000 },
  });
  if (mode === 'retry') {
    await insert(Number(arg));
    const text = (await session.queryAsync(`SELECT count() AS c FROM default.t WHERE i = ${Number(arg)}`, { format: 'JSONEachRow' })).text();
    process.stdout.write(`${JSON.parse(text).c}\n`);
    process.exit(0);
  }
  for (let i = Number(arg); ; i++) {
    process.stdout.write(`start ${i}\n`);
    await insert(i);
  }
} else {
  const rounds = Number(mode ?? 1000);
  const data = mkdtempSync(join(tmpdir(), 'dedup-repro-'));
  let next = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      const child = spawn(process.execPath, [self, 'run', data, String(next)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const started = [...out.matchAll(/start (\d+)/g)].map((m) => Number(m[1]));
      const last = started.length > 0 ? started[started.length - 1] : next;
      const retry = spawnSync(process.execPath, [self, 'retry', data, String(last)], { encoding: 'utf8' });
      const count = Number(retry.stdout.trim());
      if (count !== ROWS) {
        console.log(`round ${round}: statement ${last} retried with its token holds ${count} of ${ROWS} rows`);
        process.exit(1);
      }
      if (round % 10 === 0) console.log(`round ${round}: no loss yet`);
      next = last + 1;
    }
    console.log(`no loss in ${rounds} rounds`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
