import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../../src/log/checkpoint.js';
import { fixture, runAndKill } from './child-process.js';
import { tempLogDir } from './log-test-dir.js';

const schema = z.object({ position: z.number().int().nonnegative(), pending: z.object({ from: z.number(), to: z.number() }).nullable() });

test('checkpoint: missing file reads as undefined, writes replace the value, no temp files remain', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const path = join(dir, 'loader.json');
    assert.equal(await readCheckpoint(path, schema), undefined);
    await writeCheckpoint(path, { position: 10, pending: { from: 10, to: 20 } });
    assert.deepEqual(await readCheckpoint(path, schema), { position: 10, pending: { from: 10, to: 20 } });
    await Promise.all([1, 2, 3].map((n) => writeCheckpoint(path, { position: n, pending: null })));
    const value = await readCheckpoint(path, schema);
    assert.ok(value && [1, 2, 3].includes(value.position) && value.pending === null);
    assert.deepEqual(readdirSync(dir), ['loader.json']);
  } finally {
    dispose();
  }
});

test('checkpoint: corrupt or unexpected content gives an error naming the file', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const path = join(dir, 'loader.json');
    writeFileSync(path, '{"position": 12, "pend');
    await assert.rejects(readCheckpoint(path, schema), (err: unknown) => {
      assert.ok(err instanceof CheckpointError);
      assert.ok(err.message.includes(path));
      assert.match(err.message, /not valid JSON.*delete it/s);
      return true;
    });
    writeFileSync(path, '{"position": -3, "pending": null}');
    await assert.rejects(readCheckpoint(path, schema), (err: unknown) => {
      assert.ok(err instanceof CheckpointError);
      assert.ok(err.message.includes(path));
      assert.match(err.message, /unexpected content[\s\S]*position/);
      return true;
    });
    await assert.rejects(writeCheckpoint(join(dir, 'missing', 'x.json'), { position: 1 }), (err: unknown) => {
      assert.ok(err instanceof CheckpointError);
      assert.match(err.message, /cannot write checkpoint file .*missing.*x\.json/);
      return true;
    });
    await assert.rejects(writeCheckpoint(path, undefined), CheckpointError);
  } finally {
    dispose();
  }
});

test('checkpoint: a writer killed at a random moment leaves the last or a newer complete value', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const path = join(dir, 'state.json');
    const stateSchema = z.object({ seq: z.number(), body: z.string() });
    for (let run = 0; run < 5; run++) {
      const delayMs = Math.floor(Math.random() * 200);
      const lines = await runAndKill(fixture('checkpoint-writer.ts'), [path], delayMs);
      const lastAcked = Number(lines.at(-1));
      const value = await readCheckpoint(path, stateSchema);
      assert.ok(value, `run ${run}: checkpoint missing`);
      // The value written after the last printed one may or may not have landed; nothing older.
      assert.ok(value.seq === lastAcked || value.seq === lastAcked + 1, `run ${run}: seq ${value.seq} after ack ${lastAcked}`);
      assert.equal(value.body, String(value.seq % 10).repeat(256 * 1024), `run ${run}: torn body`);
    }
  } finally {
    dispose();
  }
});
