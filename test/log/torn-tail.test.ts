import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SegmentLog } from '../../src/log/segment-log.js';
import { LogCorruptError } from '../../src/log/errors.js';
import { expectedPositions, segmentFiles, tempLogDir } from './log-test-dir.js';

const SEGMENT_BYTES = 400;

/** Writes the payloads into a fresh log (several small segments) and closes it. */
async function writeLog(dir: string, payloads: Buffer[]): Promise<void> {
  const log = await SegmentLog.open(dir, { segmentBytes: SEGMENT_BYTES });
  for (const p of payloads) await log.append(p);
  await log.close();
}

async function readAll(log: SegmentLog): Promise<Buffer[]> {
  const { records, end } = await log.read(log.startPosition(), { maxRecords: 100_000, maxBytes: 1e9 });
  assert.equal(end, log.endPosition());
  return records.map((r) => r.payload);
}

function lastSegment(dir: string): string {
  return join(dir, segmentFiles(dir).at(-1)!);
}

/**
 * Damages the end of the last segment, reopens, and checks that exactly `survivors` records are
 * left, that the damaged bytes are gone, and that new appends continue right after them.
 */
async function reopenAndCheck(dir: string, payloads: Buffer[], survivors: number, damagedBytes: number): Promise<void> {
  const log = await SegmentLog.open(dir, { segmentBytes: SEGMENT_BYTES });
  try {
    const kept = payloads.slice(0, survivors);
    assert.deepEqual(await readAll(log), kept);
    assert.equal(log.stats().recoveredTailBytes, damagedBytes);
    const end = survivors === 0 ? 0 : expectedPositions(payloads)[survivors - 1]!.next;
    assert.equal(log.endPosition(), end);
    const fresh = [Buffer.from('after the crash'), Buffer.alloc(0), Buffer.alloc(500, 9)];
    const acks = await Promise.all(fresh.map((p) => log.append(p)));
    assert.deepEqual(acks, expectedPositions(fresh, end));
    assert.deepEqual(await readAll(log), [...kept, ...fresh]);
  } finally {
    await log.close();
  }
  const again = await SegmentLog.open(dir, { segmentBytes: SEGMENT_BYTES });
  assert.equal(again.stats().recoveredTailBytes, 0, 'the repaired log reopens cleanly');
  await again.close();
}

const payloadsArb = fc.array(fc.uint8Array({ maxLength: 150 }), { minLength: 1, maxLength: 25 }).map((a) => a.map((p) => Buffer.from(p)));

test('torn tail: a last record cut off at any byte is dropped, everything before it survives', async () => {
  await fc.assert(
    fc.asyncProperty(payloadsArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), async (payloads, cutAt) => {
      const { dir, dispose } = tempLogDir();
      try {
        await writeLog(dir, payloads);
        const file = lastSegment(dir);
        const size = statSync(file).size;
        const lastFrame = 8 + payloads.at(-1)!.length;
        // Keep 0..frame-1 bytes of the last record. If the last segment holds only that record,
        // the cut may leave it empty, which must still reopen.
        const keep = Math.floor(cutAt * lastFrame);
        truncateSync(file, size - lastFrame + keep);
        await reopenAndCheck(dir, payloads, payloads.length - 1, keep);
      } finally {
        dispose();
      }
    }),
    { numRuns: 40 },
  );
});

test('torn tail: garbage or zeros after the last record are cut off', async () => {
  await fc.assert(
    fc.asyncProperty(
      payloadsArb,
      fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 300 }).map((n) => new Uint8Array(n))),
      async (payloads, garbage) => {
        const { dir, dispose } = tempLogDir();
        try {
          await writeLog(dir, payloads);
          appendFileSync(lastSegment(dir), garbage);
          await reopenAndCheck(dir, payloads, payloads.length, garbage.length);
        } finally {
          dispose();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('torn tail: a flipped byte in the last record (header or payload) drops that record', async () => {
  await fc.assert(
    fc.asyncProperty(
      payloadsArb,
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.integer({ min: 1, max: 255 }),
      async (payloads, where, flip) => {
        const { dir, dispose } = tempLogDir();
        try {
          await writeLog(dir, payloads);
          const file = lastSegment(dir);
          const bytes = readFileSync(file);
          const lastFrame = 8 + payloads.at(-1)!.length;
          const at = bytes.length - lastFrame + Math.floor(where * lastFrame);
          bytes[at] = bytes[at]! ^ flip;
          writeFileSync(file, bytes);
          await reopenAndCheck(dir, payloads, payloads.length - 1, lastFrame);
        } finally {
          dispose();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('damage inside an older segment is reported on read, naming the file', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const payloads = Array.from({ length: 12 }, (_, i) => Buffer.alloc(100, i));
    await writeLog(dir, payloads);
    const first = join(dir, segmentFiles(dir)[0]!);
    const bytes = readFileSync(first);
    bytes[108 + 20] = bytes[108 + 20]! ^ 0xff; // inside the second record's payload
    writeFileSync(first, bytes);
    const log = await SegmentLog.open(dir, { segmentBytes: SEGMENT_BYTES });
    const first1 = await log.read(0, { maxRecords: 1, maxBytes: 1000 });
    assert.deepEqual(first1.records.map((r) => r.payload), [payloads[0]]);
    await assert.rejects(log.read(0, { maxRecords: 10, maxBytes: 10_000 }), (err: unknown) => {
      assert.ok(err instanceof LogCorruptError);
      assert.ok(err.message.includes(first), err.message);
      assert.match(err.message, /corrupt record at position 108/);
      return true;
    });
    await log.close();
  } finally {
    dispose();
  }
});

test('a missing middle segment makes open fail with an actionable message', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    await writeLog(dir, Array.from({ length: 12 }, (_, i) => Buffer.alloc(100, i)));
    const names = segmentFiles(dir);
    assert.ok(names.length >= 3);
    rmSync(join(dir, names[1]!));
    await assert.rejects(SegmentLog.open(dir), (err: unknown) => {
      assert.ok(err instanceof LogCorruptError);
      assert.match(err.message, new RegExp(`${names[0]}.*next segment starts at position ${Number(names[2]!.slice(0, 20))}`));
      assert.match(err.message, /Move the later segment files aside/);
      return true;
    });
    // A failed open leaves the directory unlocked.
    rmSync(join(dir, names[2]!));
    for (const name of names.slice(3)) rmSync(join(dir, name));
    const log = await SegmentLog.open(dir, { segmentBytes: SEGMENT_BYTES });
    assert.equal(log.endPosition(), 3 * 108);
    await log.close();
  } finally {
    dispose();
  }
});
