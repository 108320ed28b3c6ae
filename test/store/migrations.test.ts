import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { embeddedStoreFactory } from '../../src/app.js';
import { tempStore } from '../helpers/temp-store.js';
import { MIGRATIONS, migrate, schemaVersion, SCHEMA_VERSION, type Migration } from '../../src/store/migrations.js';

test('migrations apply once, and a newer version migrates old data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickpath-mig-'));
  // Opened, not migrated: this test migrates it.
  const store = await embeddedStoreFactory(loadConfig({ dataDir: dir, database: 'migtest' } as never, {}));
  try {
    assert.deepEqual(await migrate(store), MIGRATIONS.map((m) => m.version));
    assert.deepEqual(await migrate(store), []);
    assert.equal(await schemaVersion(store), SCHEMA_VERSION);
    const newer: Migration = {
      version: SCHEMA_VERSION + 1,
      name: 'test column',
      statements: [`ALTER TABLE {db}.projects ADD COLUMN IF NOT EXISTS test_col String DEFAULT 'x'`],
    };
    assert.deepEqual(await migrate(store, [...MIGRATIONS, newer]), [SCHEMA_VERSION + 1]);
    const cols = await store.query<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = {d:String} AND table = 'projects'`,
      { d: 'migtest' },
    );
    assert.ok(cols.some((c) => c.name === 'test_col'));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bound parameters carry hostile strings verbatim', async () => {
  const { store, dispose } = await tempStore();
  try {
    const hostile = `'); DROP TABLE x; --\\ "ü 🚀 \t\n`;
    const rows = await store.query<{ s: string; a: string[] }>('SELECT {s:String} AS s, {a:Array(String)} AS a', {
      s: hostile,
      a: [hostile, 'b'],
    });
    assert.deepEqual(rows, [{ s: hostile, a: [hostile, 'b'] }]);
    await assert.rejects(store.query('SELEC 1'), /Syntax error/);
  } finally {
    await dispose();
  }
});
