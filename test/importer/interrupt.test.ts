/**
 * Ctrl-C and kill -9 on a running `clickpath import`: the next run of the same command completes
 * the import with every row stored exactly once. The CLI runs in child processes on one data
 * directory; this process opens it only after they have exited.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/app.js';
import { cli, cliChild, countEvents, tempFiles } from './helpers.js';

const ROWS = 60_000;
let files: ReturnType<typeof tempFiles>;
let dataDir: string;
let csv: string;
before(() => {
  files = tempFiles();
  dataDir = files.path('data');
  const lines = ['user_id,event,ts,n'];
  for (let i = 0; i < ROWS; i++) lines.push(`u${i % 5000},e${i % 7},${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${i}`);
  csv = files.write('events.csv', lines.join('\n') + '\n');
  for (const name of ['sigint', 'sigkill']) {
    const r = cli(['project', 'create', name, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.err);
  }
});
after(() => files.dispose());

const args = (project: string) => [
  'import', csv, '--project', project, '--person', 'user_id', '--event-column', 'event', '--timestamp-column', 'ts',
  '--data-dir', dataDir, '--progress', 'lines', '--chunk-rows', '1000',
];

/** Starts the import and sends `signal` as soon as the first chunk is stored. */
function signalled(child: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let sent = false;
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      err += line + '\n';
      const m = /storing (\d+)\/(\d+) rows/.exec(line);
      if (!sent && m && Number(m[1]) > 0) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('close', (code, sig) => resolve({ code, signal: sig, out, err }));
  });
}

test('Ctrl-C stops between chunks with exit 130; the same command then completes the import', async () => {
  const stopped = await signalled(cliChild(args('sigint')), 'SIGINT');
  assert.equal(stopped.code, 130, stopped.err + stopped.out);
  assert.match(stopped.err, /stopping after the current chunk/);
  assert.match(stopped.out, /INTERRUPTED between chunks/);
  const stored = Number(/stored: (\d+) event/.exec(stopped.out)?.[1]);
  assert.ok(stored > 0 && stored < ROWS, `stored ${stored}`);
  const rerun = cli(args('sigint'));
  assert.equal(rerun.code, 0, rerun.err);
  assert.match(rerun.out, new RegExp(`stored: ${ROWS - stored} event`));
  assert.match(rerun.out, new RegExp(`already stored by an earlier run of this import: ${stored}`));
});

test('kill -9 in the middle of a chunk; the same command then completes the import', async () => {
  const killed = await signalled(cliChild(args('sigkill')), 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const rerun = cli(args('sigkill'));
  assert.equal(rerun.code, 0, rerun.err);
  assert.match(rerun.out, /rejected: 0/);
});

test('after both: every row stored exactly once', async () => {
  const store = await openStore(loadConfig({ dataDir } as never, {}));
  try {
    for (const project of ['sigint', 'sigkill']) {
      assert.deepEqual(await countEvents(store, project), { rows: ROWS, ids: ROWS }, project);
      const [r] = await store.query<{ n: number }>(
        `SELECT toUInt32(uniqExact(properties['n'])) AS n FROM ${store.database}.events WHERE project_id = {p:String}`, { p: project });
      assert.equal(r?.n, ROWS, project);
    }
  } finally {
    await store.close();
  }
});
