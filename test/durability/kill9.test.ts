/**
 * Acknowledged means durable: a server process is SIGKILLed at random moments while clients send
 * numbered events; after a restart every acknowledged event is stored exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config/config.js';
import { startApp } from '../../src/app.js';

const ROUNDS = 20;
const CHILD = join(import.meta.dirname, '..', 'fixtures', 'server-child.ts');

function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string; writeKey: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const info = JSON.parse(line) as { url: string; writeKey: string };
      resolve({ child, ...info });
    });
    child.once('exit', (code) => reject(new Error(`server child exited early with ${code}`)));
  });
}

test(`every acknowledged event survives ${ROUNDS} random SIGKILLs exactly once`, { timeout: 600_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-kill9-'));
  const acked = new Set<number>();
  let next = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { child, url, writeKey } = await startChild(dataDir);
      const auth = `Basic ${Buffer.from(writeKey + ':').toString('base64')}`;
      let alive = true;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const client = async () => {
        while (alive) {
          // Alternate single events and small batches; each event carries its number.
          const size = next % 3 === 0 ? 1 : 1 + (next % 17);
          const nums = Array.from({ length: size }, () => next++);
          const batch = nums.map((n) => ({ type: 'track', userId: `u${n % 50}`, event: 'numbered', messageId: `m-${n}`, properties: { n } }));
          try {
            const res = await fetch(url + '/v1/batch', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
            if (res.status === 200) for (const n of nums) acked.add(n);
          } catch {
            // connection reset by the kill: not acknowledged
          }
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 700));
      child.kill('SIGKILL');
      await exited;
      alive = false;
      await Promise.all(clients);
    }
    assert.ok(acked.size > ROUNDS * 10, `the test must actually acknowledge events (got ${acked.size})`);
    // Restart (replays the log) and count every number.
    const app = await startApp(loadConfig({ dataDir, port: 0, logLevel: 'silent' } as never, {}));
    try {
      await app.loader.waitLoaded();
      const rows = await app.store.query<{ n: string; c: number }>(
        `SELECT properties['n'] AS n, toUInt32(count()) AS c FROM ${app.store.database}.events
         WHERE project_id = 'durable' GROUP BY n`,
      );
      const counts = new Map(rows.map((r) => [Number(r.n), r.c]));
      const missing = [...acked].filter((n) => !counts.has(n));
      const duplicated = rows.filter((r) => r.c > 1).map((r) => r.n);
      assert.deepEqual(missing, [], 'acknowledged events missing after crashes');
      assert.deepEqual(duplicated, [], 'events stored more than once');
      // The person timeline holds each stored event once too: same ids, no copies.
      const [both] = await app.store.query<{ events: number; timeline: number; ids: number; unmatched: number }>(
        `SELECT toUInt32((SELECT count() FROM ${app.store.database}.events WHERE project_id = 'durable')) AS events,
           toUInt32((SELECT count() FROM ${app.store.database}.person_timeline WHERE project_id = 'durable')) AS timeline,
           toUInt32((SELECT uniqExact(event_id) FROM ${app.store.database}.person_timeline WHERE project_id = 'durable')) AS ids,
           toUInt32((SELECT count() FROM ${app.store.database}.events WHERE project_id = 'durable' AND event_id NOT IN
             (SELECT event_id FROM ${app.store.database}.person_timeline WHERE project_id = 'durable'))) AS unmatched`,
      );
      assert.deepEqual(both, { events: counts.size, timeline: counts.size, ids: counts.size, unmatched: 0 }, 'the timeline lost or copied events');
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
