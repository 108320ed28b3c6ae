/**
 * `clickpath report ...` on a data directory (no server): create with validation messages, run,
 * late data, backfill, results, CSV/Parquet export read back, show, update, delete. The commands
 * run in this process, as `main` would run them, each opening and closing the data directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerReport } from '../../src/cli/commands/report.command.js';
import { CliError } from '../../src/cli/access.js';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/app.js';
import { ProjectRegistry } from '../../src/projects/project-registry.js';
import { insertEvents, uuid } from './helpers.js';

let dir: string;

async function cli(...args: string[]): Promise<{ out: string; err: string; error?: string }> {
  const program = new Command('clickpath').exitOverride();
  registerReport(program);
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'clickpath', ...args, '--data-dir', dir]);
    return { out, err };
  } catch (e) {
    if (e instanceof CliError) return { out, err, error: e.message };
    throw e;
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clickpath-report-cli-'));
  const store = await openStore(loadConfig({ dataDir: dir } as never, {}));
  await new ProjectRegistry(store).create('Shop', { timezone: 'Europe/Berlin', projectId: 'shop' });
  const at = (iso: string) => Date.parse(iso);
  await insertEvents(store, [{ projectId: 'shop', events: [
    { id: uuid(), person: 'a', event: 'view', ms: at('2024-01-01T10:00:00Z') },
    { id: uuid(), person: 'b', event: 'view', ms: at('2024-01-01T23:30:00Z') }, // 00:30 on 2 Jan in Berlin
    { id: uuid(), person: 'a', event: 'buy', ms: at('2024-01-03T10:00:00Z') },
  ] }]);
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('create validates, run materializes, late data, backfill, results, exports, delete', async () => {
  const defFile = join(dir, 'def.json');
  writeFileSync(defFile, JSON.stringify({ event: 'view', interval: 'day' }));
  const bad = await cli('report', 'create', 'views', '-p', 'shop', '--analysis', 'trends', '--json', '{"interval":"fortnight"}', '--schedule', '0 25 * * *');
  assert.match(bad.error ?? '', /^invalid report\n/);
  assert.match(bad.error ?? '', /schedule: hour: 25 is outside 0-23/);
  const unknownProject = await cli('report', 'list', '-p', 'nope');
  assert.match(unknownProject.error ?? '', /unknown project "nope"; known: shop/);

  const created = await cli('report', 'create', 'views', '-p', 'shop', '--analysis', 'trends', '--definition', defFile, '--schedule', '30 0 * * *');
  assert.equal(created.error, undefined);
  assert.match(created.out, /report views \(rep_\w+\), revision 1/);
  assert.match(created.out, /schedule: {3}30 0 \* \* \*/);
  assert.match((await cli('report', 'list', '-p', 'shop')).out, /views\s+trends\s+30 0 \* \* \*/);

  const run = await cli('report', 'run', 'views', '-p', 'shop');
  assert.match(run.out, /^finished: 3 bucket\(s\), 3 row\(s\)/);
  const csv = await cli('report', 'results', 'views', '-p', 'shop', '--format', 'csv');
  assert.equal(csv.out, 'bucket,series,value\n2024-01-01,view,1\n2024-01-02,view,1\n2024-01-03,view,0\n');

  const store = await openStore(loadConfig({ dataDir: dir } as never, {}));
  await insertEvents(store, [{ projectId: 'shop', events: [{ id: uuid(), person: 'c', event: 'view', ms: Date.parse('2024-01-03T12:00:00Z') }] }]);
  await store.close();
  // Everything here was loaded within the 5-minute overlap, so the run looks at all of it again.
  assert.match((await cli('report', 'run', 'views', '-p', 'shop')).out, /^finished: 3 bucket\(s\)/);
  assert.match((await cli('report', 'results', 'views', '-p', 'shop', '--format', 'csv')).out, /2024-01-03,view,1\n$/);

  assert.match((await cli('report', 'backfill', 'views', '-p', 'shop', '--from', '2024-01-01', '--to', '2024-01-02')).out, /^finished: 2 bucket\(s\)/);
  const emptyRange = await cli('report', 'backfill', 'views', '-p', 'shop', '--from', '2024-01-05', '--to', '2024-01-01');
  assert.match(emptyRange.error ?? '', /the run failed: backfill range 2024-01-05\.\.2024-01-01 is empty/);

  const csvFile = join(dir, 'out.csv');
  const exported = await cli('report', 'export', 'views', '-p', 'shop', '--out', csvFile);
  assert.match(exported.err, /wrote \d+ bytes/);
  assert.equal(readFileSync(csvFile, 'utf8'), '"bucket","series","value"\n"2024-01-01","view",1\n"2024-01-02","view",1\n"2024-01-03","view",1\n');
  const pqFile = join(dir, 'out.parquet');
  await cli('report', 'export', 'views', '-p', 'shop', '--out', pqFile);
  const check = await openStore(loadConfig({ dataDir: dir } as never, {}));
  const back = await check.query(`SELECT * FROM file({path:String}, Parquet)`, { path: pqFile });
  await check.close();
  assert.deepEqual(back, [
    { bucket: '2024-01-01', series: 'view', value: 1 },
    { bucket: '2024-01-02', series: 'view', value: 1 },
    { bucket: '2024-01-03', series: 'view', value: 1 },
  ]);

  const shown = await cli('report', 'show', 'views', '-p', 'shop');
  assert.match(shown.out, /backfill\s+1\s+failed/);
  assert.match(shown.out, /manual\s+1\s+finished\s+\d+\s+3\s+3/);

  const updated = await cli('report', 'update', 'views', '-p', 'shop', '--schedule', 'none', '--rename', 'daily-views');
  assert.match(updated.out, /report daily-views .* revision 1/);
  assert.match(updated.out, /schedule: {3}none/);
  assert.match((await cli('report', 'delete', 'daily-views', '-p', 'shop')).out, /deleted/);
  assert.match((await cli('report', 'show', 'daily-views', '-p', 'shop')).error ?? '', /no report "daily-views"/);
});
