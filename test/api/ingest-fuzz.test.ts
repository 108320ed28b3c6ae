/**
 * The collector under fuzz: random hostile bodies to /v1/track and /v1/batch. Every answer is a
 * 200, or a 400/413 with a message; nothing is a 5xx. Everything acknowledged is loaded (or was
 * a duplicate) and the engine refuses none of it; everything rejected is in the quarantine,
 * one row per rejected item. Another project's sentinel is queryable within 2 s after each
 * round, and the loader never stops. A kill -9 and restart after a round comes up with the same
 * guarantees (second test, a real server process).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fuzzRequest, type FuzzRequest } from './fuzz-payloads.js';

const SEED = Number(process.env.FC_SEED ?? 1607);
const CASES = Number(process.env.FUZZ_CASES ?? 400);
const ROUNDS = 8;

let current: TestApp | undefined;
after(async () => current?.close());

interface Tally { accepted: number; quarantined: number; statuses: Map<number, number> }

/** What one answer says about the request: acknowledged events and quarantined items. */
function account(tally: Tally, status: number, json: Record<string, unknown>): void {
  tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  assert.ok([200, 400, 413].includes(status), `unexpected status ${status}: ${JSON.stringify(json).slice(0, 300)}`);
  const rejected = Array.isArray(json.rejected) ? json.rejected.length : 0;
  if (status === 200) {
    tally.accepted += Number(json.accepted);
    tally.quarantined += rejected;
  } else {
    assert.equal(typeof json.error, 'string');
    assert.ok(String(json.error).length > 10, 'a 400 says why');
    assert.doesNotMatch(String(json.error), /\n\s+at /, 'no stack trace');
    tally.quarantined += rejected > 0 ? rejected : 1;
  }
}

async function sentinelWithin2s(t: TestApp, key: string, round: number): Promise<number> {
  const id = `sentinel-${round}-${Math.random()}`;
  const sent = Date.now();
  const res = await t.post('/v1/track', { userId: 'b', event: 'sentinel', messageId: id }, t.basic(key));
  assert.equal(res.status, 200);
  for (;;) {
    const rows = await t.app.store.query<{ n: number }>(
      `SELECT toUInt32(count()) AS n FROM ${t.app.store.database}.events WHERE event = 'sentinel' AND event_id = {id:UUID}`,
      { id: String((await import('../../src/events/event-id.js')).eventIdFromMessageId(t.app.registry.byWrite(key)!.projectId, id)) },
    );
    const waited = Date.now() - sent;
    if (rows[0]?.n === 1) return waited;
    assert.ok(waited < 2000, `round ${round}: the other project's sentinel was not queryable within 2 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(`fuzzed collector: ${CASES} hostile requests, every answer 200 or 400/413, nothing lost, nothing stalls`, { timeout: 600_000 }, async () => {
  const t = (current = await startTestApp({ flushIntervalMs: 50 }));
  const b = await t.app.registry.create('Sentinel project', { timezone: 'UTC' });
  const tally: Tally = { accepted: 0, quarantined: 0, statuses: new Map() };
  const perRound = Math.ceil(CASES / ROUNDS);
  const waits: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const requests = fc.sample(fuzzRequest, { numRuns: perRound, seed: SEED + round });
    for (const r of requests) {
      const res = await t.post(r.path, r.body, { ...t.basic(), 'content-type': 'application/json' });
      account(tally, res.status, res.json);
    }
    waits.push(await sentinelWithin2s(t, b.writeKey, round));
  }
  await t.loaded();
  const stats = t.app.loader.stats();
  assert.equal(stats.lastError, null);
  assert.equal(stats.refusedLoaded, 0, 'the engine refused nothing the collector acknowledged');
  const db = t.app.store.database;
  const [events] = await t.app.store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM ${db}.events WHERE project_id = {p:String}`, { p: t.project.projectId });
  const [quarantined] = await t.app.store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM ${db}.rejected_events WHERE project_id = {p:String}`, { p: t.project.projectId });
  // Acknowledged = stored + skipped as a repeat (same messageId, or same content without one).
  assert.equal(events?.n, stats.eventsLoaded - ROUNDS);
  assert.equal(tally.accepted, (events?.n ?? 0) + stats.duplicatesSkipped);
  assert.equal(quarantined?.n, tally.quarantined);
  assert.ok((tally.statuses.get(200) ?? 0) > CASES / 10, 'the fuzz reaches the store, not only the rejections');
  assert.ok((tally.statuses.get(400) ?? 0) > 0);
  console.log(`fuzz: ${CASES} requests, statuses ${JSON.stringify([...tally.statuses])}, ${tally.accepted} events acknowledged, ` +
    `${events?.n} stored, ${stats.duplicatesSkipped} repeats, ${tally.quarantined} quarantined; sentinel waits ${waits.join(', ')} ms`);
  await t.close();
  current = undefined;
});

function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string; writeKey: string; secretKey: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'server-child.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, ...(JSON.parse(line) as { url: string; writeKey: string; secretKey: string }) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code} at start`)));
  });
}

test('after a fuzz round, kill -9 and restart: the server comes up and every acknowledged event is stored or was a repeat', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clickpath-fuzz-kill-'));
  const tally: Tally = { accepted: 0, quarantined: 0, statuses: new Map() };
  try {
    let server = await startChild(dataDir);
    const post = (s: typeof server, r: FuzzRequest) => fetch(s.url + r.path, {
      method: 'POST', body: r.body,
      headers: { authorization: `Basic ${Buffer.from(s.writeKey + ':').toString('base64')}`, 'content-type': 'application/json' },
    });
    for (const r of fc.sample(fuzzRequest, { numRuns: 60, seed: SEED + 100 })) {
      const res = await post(server, r);
      account(tally, res.status, (await res.json()) as Record<string, unknown>);
    }
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    server = await startChild(dataDir);
    const status = async () => (await (await fetch(server.url + '/v1/status', { headers: { authorization: `Bearer ${server.secretKey}` } })).json()) as {
      eventsStored: number; rejectedCount: number; log: { lagBytes: number }; loader: { lastError: string | null };
    };
    let s = await status();
    for (let i = 0; i < 100 && s.log.lagBytes > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.equal(s.log.lagBytes, 0);
    assert.equal(s.loader.lastError, null);
    assert.equal(s.rejectedCount, tally.quarantined);
    assert.ok(s.eventsStored <= tally.accepted && s.eventsStored > 0, `${s.eventsStored} stored of ${tally.accepted} acknowledged`);
    const health = (await (await fetch(server.url + '/healthz')).json()) as { loaderError: string | null };
    assert.equal(health.loaderError, null);
    const exited2 = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited2;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
