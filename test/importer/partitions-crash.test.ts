/**
 * A crash between two of a chunk's inserts (a chunk spanning more months than one insert may
 * touch is stored with one statement per group of months): the next run of the import stores
 * every row exactly once, chunked alike or differently. Its own file (process, store): losing
 * rows is a mutation of every part of events, slow once other tests filled hundreds of partitions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { countEvents, crashingAfter, importFile, tempFiles } from './helpers.js';
import { csv, EXPECTED_SHAPE, ROWS, shuffled, SPEC, storedShape } from './history-rows.js';

let t: Awaited<ReturnType<typeof tempStore>>;
let files: ReturnType<typeof tempFiles>;
before(async () => {
  t = await tempStore();
  files = tempFiles();
});
after(async () => {
  files.dispose();
  await t.dispose();
});

for (const [where, nth, lose] of [
  // First, while the store is empty: losing rows is a mutation of every part of events.
  ['between two groups, its rows lost while its token stays recorded', 2, true],
  ['between the first and the second partition group of a chunk', 1, false],
] as const) {
  test(`a crash ${where}: the next run stores every row exactly once`, async () => {
    const project = `crash-${nth}-${lose}`;
    const path = files.write(`crash-${nth}.csv`, csv(shuffled(ROWS)));
    await assert.rejects(importFile(crashingAfter(t.store, /INSERT INTO \w+\.events\b/, nth, lose ? project : undefined), project, path, SPEC, { chunkRows: 250 }), /simulated crash/);
    const partial = await countEvents(t.store, project);
    assert.ok(partial.rows > 0 && partial.rows < ROWS.length, `partial ${partial.rows}`);
    const rerun = await importFile(t.store, project, path, SPEC, { chunkRows: lose ? 250 : 128 });
    assert.equal(rerun.outcome, 'completed');
    assert.equal(rerun.stored + rerun.alreadyStored, ROWS.length);
    assert.equal(rerun.alreadyStored, partial.rows);
    assert.deepEqual(await storedShape(t.store, project), EXPECTED_SHAPE);
  });
}
