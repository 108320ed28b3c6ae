/**
 * A full disk never kills the server: writes get 503, reads keep working, the server log's
 * failed writes are dropped, a restart on the full disk comes up, and once space returns every
 * acknowledged event is stored exactly once.
 *
 * The real thing runs on a small tmpfs holding the data directory and the server's stdout,
 * where the machine lets the test mount one (root in a sandbox); the logger's part is also
 * checked by fault injection, which runs everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { safeStdout } from '../../src/api/log-destination.js';

const CHILD = join(import.meta.dirname, '..', 'fixtures', 'server-child.ts');

test('the log destination drops a line it cannot write instead of throwing', () => {
  let calls = 0;
  const out = safeStdout(1, () => {
    calls += 1;
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  out.write('{"msg":"one"}\n');
  out.write('{"msg":"two"}\n');
  assert.equal(calls, 2);
  assert.equal(out.dropped(), 2);
});

interface Child { child: ChildProcess; url: string; writeKey: string; secretKey: string }

function startChild(dataDir: string, stdoutFile: string): Promise<Child> {
  const out = openSync(stdoutFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    stdio: ['ignore', out, 'pipe', 'pipe'],
    env: { ...process.env, CHILD_LOG_LEVEL: 'info', CHILD_READY_FD: '3' },
  });
  closeSync(out);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve({ child, ...(JSON.parse(line) as Omit<Child, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Fills the disk to the last byte: large chunks first, then smaller ones into what is left. */
function fill(dir: string, name = 'filler'): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    for (const size of [256 * 1024, 4096, 64, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC: full for chunks of this size
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

test('on a full tmpfs: 503s for writes, reads work, the process lives, restarts, and loses nothing', { timeout: 180_000 }, async (t) => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'clickpath-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    rmSync(mountPoint, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}); the fault-injection tests cover this`);
    return;
  }
  const dataDir = join(mountPoint, 'data');
  const stdoutFile = join(mountPoint, 'server.log');
  let server: Child | undefined;
  let n = 0;
  const acked = new Set<number>();
  const send = async (s: Child, count: number): Promise<number> => {
    const nums = Array.from({ length: count }, () => n++);
    const batch = nums.map((i) => ({ type: 'track', userId: `u${i % 7}`, event: 'numbered', messageId: `m-${i}`, properties: { i } }));
    const res = await fetch(s.url + '/v1/batch', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(s.writeKey + ':').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    if (res.status === 200) nums.forEach((i) => acked.add(i));
    return res.status;
  };
  const stored = async (s: Child): Promise<number> => {
    const res = await fetch(s.url + '/v1/status', { headers: { authorization: `Bearer ${s.secretKey}` } });
    assert.equal(res.status, 200, 'reads keep working');
    return ((await res.json()) as { eventsStored: number }).eventsStored;
  };
  try {
    server = await startChild(dataDir, stdoutFile);
    assert.equal(await send(server, 10), 200);
    const filler = fill(mountPoint);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await send(server, 10));
    assert.ok(statuses.includes(503), `writes on a full disk get 503 (got ${statuses.join(', ')})`);
    // The loader fails and logs it to a stdout on the full disk: the process must live on.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(server.child.exitCode, null, 'the server is still running');
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
    await stored(server);
    await killed(server.child);

    server = await startChild(dataDir, stdoutFile);
    // Starting may free a little space (the engine drops outdated parts): full again.
    const refill = fill(mountPoint, 'filler-2');
    assert.equal(await send(server, 5), 503, 'a server started on a full disk answers 503 to writes');
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
    await stored(server);

    rmSync(filler);
    rmSync(refill);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await send(server, 10);
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200, 'writes work again once space returns');
    const deadline = Date.now() + 60_000;
    let count = 0;
    while (Date.now() < deadline && (count = await stored(server)) < acked.size) await new Promise((r) => setTimeout(r, 250));
    assert.equal(count, acked.size, 'every acknowledged event is stored, once');
  } finally {
    if (server) await killed(server.child);
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
    rmSync(mountPoint, { recursive: true, force: true });
  }
});
