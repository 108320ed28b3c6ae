/** The CLI as a person uses it: real processes, real exit codes, messages to act on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help works for every command', () => {
  for (const args of [['--help'], ['serve', '--help'], ['project', 'create', '--help'], ['status', '--help'], ['rejected', '--help'], ['query', '--help']]) {
    const r = cli(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /Usage: clickpath/);
  }
});

test('a bad flag or command fails with a message and a non-zero exit', () => {
  const r = cli(['status', '--no-such-flag']);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /unknown option '--no-such-flag'/);
  const bad = cli(['serve', '--port', 'eighty', '--data-dir', join(tmpdir(), 'never-used')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /port \(flag --port, env CLICKPATH_PORT\)/);
});

test('an unusable data directory is named', () => {
  // A regular file where the directory should be fails for every user, root included.
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-ro-'));
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const r = cli(['status', '--data-dir', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /not-a-dir/);
  assert.match(r.err, /data directory|EEXIST|ENOTDIR|not a directory/i);
  rmSync(dir, { recursive: true, force: true });
});

test('project create, list and status work on a data directory and through a running server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-cli-'));
  try {
    const created = cli(['project', 'create', 'Web Shop', '--timezone', 'Europe/Berlin', '--data-dir', dir]);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /project web-shop created/);
    const writeKey = /write key .*: (wk_\S+)/.exec(created.out)?.[1];
    const secretKey = /secret key .*: (sk_\S+)/.exec(created.out)?.[1];
    assert.ok(writeKey && secretKey);
    const badTz = cli(['project', 'create', 'X', '--timezone', 'Nowhere/City', '--data-dir', dir]);
    assert.equal(badTz.code, 1);
    assert.match(badTz.err, /unknown time zone/);
    const listed = cli(['project', 'list', '--data-dir', dir]);
    assert.match(listed.out, /web-shop\s+Web Shop\s+Europe\/Berlin/);

    // Start a server on the same directory; the CLI then talks to it.
    const server = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent', '--flush-interval-ms', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    try {
      const res = await fetch(url + '/v1/batch', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(writeKey + ':').toString('base64')}`, 'content-type': 'application/json' },
        // a2 browsed anonymously, then logged in as u2: two persons, as the analyses count them.
        body: JSON.stringify({ batch: [{ type: 'track', userId: 'u1', event: 'a' }, { type: 'track', anonymousId: 'a2', event: 'c' }, { type: 'track', userId: 'u2', anonymousId: 'a2', event: 'b' }, { type: 'track', event: 'no id' }] }),
      });
      assert.equal(res.status, 200);
      // Wait through the API until the loader stored the events, then ask the CLI once.
      for (let i = 0; i < 200; i++) {
        const st = await fetch(url + '/v1/status', { headers: { authorization: `Bearer ${secretKey}` } });
        if (((await st.json()) as { eventsStored: number }).eventsStored === 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const status = cli(['status', '--data-dir', dir, '--format', 'json']);
      assert.equal(status.code, 0, status.err);
      const [view] = JSON.parse(status.out) as Array<{ eventsStored: number; personsStored: number; rejectedCount: number }>;
      assert.deepEqual([view?.eventsStored, view?.personsStored, view?.rejectedCount], [3, 2, 1]);
      const rejected = cli(['rejected', '--project', 'web-shop', '--data-dir', dir]);
      assert.equal(rejected.code, 0, rejected.err);
      assert.match(rejected.out, /1 rejected item/);

      const busy = cli(['serve', '--data-dir', join(dir, 'other'), '--port', new URL(url).port]);
      assert.equal(busy.code, 1);
      assert.match(busy.err, /port \d+ on 127\.0\.0\.1 is in use/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // Server gone: the CLI opens the directory itself and sees the same data.
    const offline = cli(['status', '--data-dir', dir, '--format', 'json']);
    assert.equal(offline.code, 0, offline.err);
    const [off] = JSON.parse(offline.out) as Array<{ eventsStored: number; personsStored: number }>;
    assert.deepEqual([off?.eventsStored, off?.personsStored], [3, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already taken by another program is reported', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-port-'));
  try {
    const r = cli(['serve', '--data-dir', dir, '--port', String(port)]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`port ${port} on 127.0.0.1 is in use; pass --port`));
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('squash runs on a data directory no server holds, and refuses a bad batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-cli-squash-'));
  try {
    const r = cli(['squash', '--data-dir', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^0 runs, 0 ids, 0 timeline rows rewritten\n$/);
    const bad = cli(['squash', '--data-dir', dir, '--batch', 'many']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--batch must be a positive integer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
