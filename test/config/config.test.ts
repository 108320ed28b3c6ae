import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, envName } from '../../src/config/config.js';

test('flags beat env, env beats the file, the file beats defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-cfg-'));
  const file = join(dir, 'clickpath.yaml');
  writeFileSync(file, 'port: 1111\nhost: 0.0.0.0\nflushIntervalMs: 500\n');
  const env = { CLICKPATH_PORT: '2222', CLICKPATH_HOST: '10.0.0.1' };
  const c = loadConfig({ config: file, port: '3333' }, env);
  assert.equal(c.port, 3333);
  assert.equal(c.host, '10.0.0.1');
  assert.equal(c.flushIntervalMs, 500);
  assert.equal(c.maxBatchBytes, 500 * 1024);
  assert.equal(envName('maxBatchBytes'), 'CLICKPATH_MAX_BATCH_BYTES');
});

test('bad values name the flag and the env variable', () => {
  assert.throws(() => loadConfig({ port: 'eighty' }, {}), /port \(flag --port, env CLICKPATH_PORT\)/);
  assert.throws(() => loadConfig({}, { CLICKPATH_MAX_BATCH_BYTES: '-5' }), /maxBatchBytes \(flag --max-batch-bytes/);
});

test('a config file with a typo or bad syntax is refused with its name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-cfg-'));
  const typo = join(dir, 'typo.json');
  writeFileSync(typo, JSON.stringify({ prot: 1 }));
  assert.throws(() => loadConfig({ config: typo }, {}), /unknown setting\(s\) prot/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ nope');
  assert.throws(() => loadConfig({ config: broken }, {}), /broken\.json is not valid JSON/);
  assert.throws(() => loadConfig({ config: join(dir, 'missing.yaml') }, {}), /cannot read config file/);
});
