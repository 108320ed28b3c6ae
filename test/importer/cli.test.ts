/** `clickpath import` as a person runs it: flags, mapping files, dry run, exit codes, and the upload path while a server runs. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { cli, tempFiles } from './helpers.js';

let files: ReturnType<typeof tempFiles>;
let dataDir: string;
before(() => {
  files = tempFiles();
  dataDir = files.path('data');
  assert.equal(cli(['project', 'create', 'shop', '--data-dir', dataDir]).code, 0);
});
after(() => files.dispose());

const run = (args: string[]) => cli([...args, '--data-dir', dataDir]);

test('--help documents the flags', () => {
  const r = cli(['import', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--person', '--anonymous', '--timestamp-column', '--timestamp-from', '--timezone', '--event-column', '--event ', '--delimiter', '--no-header', '--columns', '--properties', '--map', '--mapping', '--kind', '--dry-run', '--max-errors']) {
    assert.ok(r.out.includes(flag), flag);
  }
});

test('--dry-run shows the mapping and the first rows as they would be stored, and stores nothing', () => {
  const path = files.write('mobile.csv', 'when;device;name;os;note\n2024-05-01 10:00:00;d1;open;iOS;"ä ""q"""\n2024-05-01 10:00:05;d1;;iOS;x\n2024-05-01 10:00:09;d2;close;Android;\n');
  const args = ['import', path, '--project', 'shop', '--delimiter', ';', '--anonymous', 'device', '--timestamp-column', 'when', '--timezone', 'Europe/Berlin', '--event-column', 'name', '--dry-run', '2'];
  const r = run(args);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /dry run, nothing stored/);
  assert.match(r.out, /columns: "when", "device", "name", "os", "note"/);
  assert.match(r.out, /timestamp    <- column "when" \(auto; times without an offset in Europe\/Berlin\)/);
  assert.match(r.out, /os           <- column "os"/);
  assert.match(r.out, /properties   <- every other column \(not "device", "name", "when", "os"\)/);
  assert.match(r.out, /^\s*2\s+d1\s+d1\s+open\s+2024-05-01 08:00:00.000\s+iOS\s+\{"note":"ä \\"q\\""\}\s+stored$/m);
  assert.match(r.out, /^\s*3\s+d1\s+d1\s+2024-05-01 08:00:05.000\s+iOS\s+\{"note":"x"\}\s+rejected: missing_event: event column "name" is empty$/m);
  assert.doesNotMatch(r.out, /close/);
  const json = run([...args, '--json']);
  const preview = JSON.parse(json.out) as { rows: unknown[] };
  assert.equal(preview.rows.length, 2);
  // Nothing was stored: a real import afterwards stores everything the file has.
  const real = run(args.filter((a) => a !== '--dry-run' && a !== '2').concat(['--max-errors', '1', '--json']));
  assert.equal(real.code, 0, real.err);
  assert.deepEqual((({ stored, alreadyStored, rejected }) => ({ stored, alreadyStored, rejected }))(JSON.parse(real.out) as Record<string, number>), { stored: 2, alreadyStored: 0, rejected: 1 });
});

test('--max-errors: over it the command fails (exit 1) and stores nothing; at it, exit 0 with the bad rows quarantined', () => {
  const path = files.write('bad.csv', 'user_id,ts\nu1,2024-01-01\nu2,soon\nu3,later\n');
  const args = ['import', path, '--project', 'shop', '--person', 'user_id', '--event', 'visit', '--timestamp-column', 'ts'];
  const over = run(args);
  assert.equal(over.code, 1);
  assert.match(over.out, /NOTHING STORED: 2 row\(s\) are bad, more than max-errors \(0\)/);
  assert.match(over.out, /line 3: invalid_timestamp: cannot read "soon"/);
  const at = run([...args, '--max-errors', '2']);
  assert.equal(at.code, 0, at.err);
  assert.match(at.out, /stored: 1 event/);
  assert.match(at.out, /rejected: 2 \(quarantined/);
});

test('a YAML mapping file with flags on top; the flag wins', () => {
  const path = files.write('pages.csv', 'uid,seen\nu1,2024-02-01\n');
  const mapping = files.write('mapping.yaml', 'person: uid\nevent: from-file\ntimestampColumn: seen\nproperties: []\n');
  const r = run(['import', path, '--project', 'shop', '--mapping', mapping, '--event', 'from-flag', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal((JSON.parse(r.out) as { stored: number }).stored, 1);
  const preview = run(['import', path, '--project', 'shop', '--mapping', mapping, '--dry-run']);
  assert.match(preview.out, /event        <- "from-file" for every row/);
  assert.match(preview.out, /properties   <- none/);
});

test('mistakes get a message and a non-zero exit', () => {
  const path = files.write('ok.csv', 'user_id,ts\nu1,2024-01-01\n');
  const unknown = run(['import', path, '--project', 'nope', '--person', 'user_id', '--event', 'x', '--timestamp-column', 'ts']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown project "nope"; known: shop/);
  const noMapping = run(['import', path, '--project', 'shop']);
  assert.equal(noMapping.code, 1);
  assert.match(noMapping.err, /invalid import mapping:\n {2}person: .*\n {2}event: .*\n {2}timestampColumn: /);
  const badMap = run(['import', path, '--project', 'shop', '--map', 'colour=x']);
  assert.equal(badMap.code, 2);
  assert.match(badMap.err, /expected TYPED=COLUMN/);
  const badYaml = run(['import', path, '--project', 'shop', '--mapping', files.write('bad.yaml', 'person: [')]);
  assert.equal(badYaml.code, 1);
  assert.match(badYaml.err, /mapping file .*bad.yaml is not valid YAML/);
});

test('while a server runs on the data directory, the file is uploaded to it', async () => {
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/server-with-import.ts', import.meta.url)), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const path = files.write('served.ndjson', '{"u":"a","e":"x","t":"2024-01-01T00:00:00Z"}\n{"u":"b","e":"x","t":"nope"}\n');
    const args = ['import', path, '--project', 'shop', '--person', 'u', '--event-column', 'e', '--timestamp-column', 't', '--max-errors', '1'];
    const r = run(args);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /served.ndjson \(ndjson, events\): 2 row\(s\) read/);
    assert.match(r.out, /stored: 1 event/);
    assert.match(r.out, /line 2: invalid_timestamp/);
    assert.match(run([...args, '--dry-run']).out, /dry run, nothing stored/);
    assert.match(run(args).out, /already stored by an earlier run of this import: 1/);
    const refused = run(['import', path, '--project', 'shop', '--person', 'missing', '--event-column', 'e', '--timestamp-column', 't']);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /NOTHING STORED: 2 row\(s\) are bad/);
  } finally {
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
  }
});
