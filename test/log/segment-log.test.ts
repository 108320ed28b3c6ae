import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SegmentLog } from '../../src/log/segment-log.js';
import { LogClosedError, LogFullError, LogRangeError, LogRecordTooLargeError } from '../../src/log/errors.js';
import { readBatches, readRecords } from '../../src/log/log-reader.js';
import { expectedPositions, segmentFiles, tempLogDir } from './log-test-dir.js';

const payloadArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 300, maxLength: 3000 }) },
);

test('round trip: concurrent appends read back in order with their positions, across segments and reopen', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(payloadArb, { minLength: 1, maxLength: 120 }),
      fc.integer({ min: 64, max: 2048 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 4000 }),
      async (raw, segmentBytes, maxRecords, maxBytes) => {
        const payloads = raw.map((p) => Buffer.from(p));
        const { dir, dispose } = tempLogDir();
        try {
          const log = await SegmentLog.open(dir, { segmentBytes });
          const acks = await Promise.all(payloads.map((p) => log.append(p)));
          const expected = expectedPositions(payloads);
          assert.deepEqual(acks, expected);
          assert.equal(log.endPosition(), expected[expected.length - 1]!.next);

          // Read in small batches: each respects its limits, and together they are the whole log.
          const seen: Buffer[] = [];
          let from = 0;
          for (;;) {
            const { records, end } = await log.read(from, { maxRecords, maxBytes });
            if (records.length === 0) {
              assert.equal(end, from);
              break;
            }
            assert.ok(records.length <= maxRecords);
            const bytes = records.reduce((n, r) => n + r.payload.length, 0);
            assert.ok(records.length === 1 || bytes <= maxBytes, `batch of ${bytes} bytes over ${maxBytes}`);
            for (const r of records) {
              assert.deepEqual({ position: r.position, next: r.next }, expected[seen.length]);
              seen.push(r.payload);
            }
            assert.equal(end, records[records.length - 1]!.next);
            from = end;
          }
          assert.deepEqual(seen, payloads);

          // Every segment file is named by the position of its first record.
          const starts = new Set(expected.map((e) => e.position));
          for (const name of segmentFiles(dir)) {
            const base = Number(name.slice(0, 20));
            assert.ok(base === 0 || starts.has(base) || base === log.endPosition(), `segment ${name}`);
          }
          await log.close();

          const reopened = await SegmentLog.open(dir, { segmentBytes });
          assert.equal(reopened.stats().recoveredTailBytes, 0);
          assert.equal(reopened.endPosition(), log.endPosition());
          const all = [];
          for await (const r of readRecords(reopened, 0)) all.push(r.payload);
          assert.deepEqual(all, payloads);
          await reopened.close();
        } finally {
          dispose();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('round trip with a record larger than a segment and larger than the read window', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir, { segmentBytes: 4096 });
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const payloads = [Buffer.from('before'), Buffer.alloc(0), big, Buffer.from('after'), Buffer.alloc(0)];
    const acks = await Promise.all(payloads.map((p) => log.append(p)));
    assert.deepEqual(acks, expectedPositions(payloads));
    // The big record sits alone in its own segment, so the log rolled twice around it.
    assert.equal(segmentFiles(dir).length, 3);
    const { records } = await log.read(0, { maxRecords: 100, maxBytes: 1 });
    assert.equal(records.length, 1, 'maxBytes stops after the first record');
    const all = await log.read(acks[1]!.position, { maxRecords: 100, maxBytes: 0 });
    assert.deepEqual(all.records.map((r) => r.payload), [Buffer.alloc(0)], 'empty records fit a zero budget only first');
    const rest = await log.read(acks[2]!.position, { maxRecords: 100, maxBytes: 10 * 1024 * 1024 });
    assert.deepEqual(rest.records.map((r) => r.payload), payloads.slice(2));
    await log.close();
  } finally {
    dispose();
  }
});

test('group commit: 1000 concurrent appends share few fsyncs', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir);
    const payload = Buffer.alloc(100, 1);
    const burst = await Promise.all(Array.from({ length: 1000 }, () => log.append(payload)));
    assert.equal(new Set(burst.map((a) => a.position)).size, 1000);
    const afterBurst = log.stats().fsyncs;
    assert.ok(afterBurst >= 1 && afterBurst < 1000 / 5, `${afterBurst} fsyncs for 1000 appends`);

    // Appends arriving over many event-loop turns, while fsyncs are in flight, join the next flush.
    const spread: Array<Promise<unknown>> = [];
    for (let turn = 0; turn < 100; turn++) {
      for (let i = 0; i < 10; i++) spread.push(log.append(payload));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(spread);
    const stats = log.stats();
    assert.ok(stats.fsyncs - afterBurst < 1000 / 5, `${stats.fsyncs - afterBurst} fsyncs for 1000 spread appends`);
    assert.equal(stats.appendedRecords, 2000);
    assert.equal(stats.pendingBytes, 0);
    assert.equal(stats.pendingRecords, 0);
    await log.close();
  } finally {
    dispose();
  }
});

test('readers only ever see acknowledged records, even while writes are in flight', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir, { segmentBytes: 16 * 1024 });
    const acked = new Set<number>();
    const payload = Buffer.alloc(200, 3);
    const writers = Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 50; i++) acked.add((await log.append(payload)).position);
      }),
    );
    let writing = true;
    void writers.finally(() => (writing = false));
    let from = 0;
    let seen = 0;
    while (writing || from < log.endPosition()) {
      const { records, end } = await log.read(from, { maxRecords: 50, maxBytes: 1e6 });
      for (const r of records) assert.ok(acked.has(r.position), `read unacknowledged record at ${r.position}`);
      seen += records.length;
      from = end;
      if (records.length === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await writers;
    assert.equal(seen, 1000);
    await log.close();
  } finally {
    dispose();
  }
});

test('LogFullError once maxPendingBytes of unsynced appends are queued; the log recovers after', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const payload = Buffer.alloc(100, 2);
    const log = await SegmentLog.open(dir, { maxPendingBytes: 10 * (8 + payload.length) });
    const results = await Promise.allSettled(Array.from({ length: 15 }, () => log.append(payload)));
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
    assert.equal(rejected.length, 5);
    for (const r of rejected) assert.ok(r.status === 'rejected' && r.reason instanceof LogFullError);
    // Only acknowledged records are in the log, and the limit frees up once they are durable.
    assert.equal(log.endPosition(), 10 * (8 + payload.length));
    await log.append(payload);
    await assert.rejects(log.append(Buffer.alloc(2000)), LogRecordTooLargeError);
    assert.equal(log.stats().pendingBytes, 0);
    await log.close();
  } finally {
    dispose();
  }
});

test('waitForAppend resolves on a durable append and respects abort and close', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir);
    await log.append(Buffer.from('first'));
    await log.waitForAppend(0); // already past: resolves at once

    let woke = false;
    const waiting = log.waitForAppend(log.endPosition()).then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woke, false);
    const { position } = await log.append(Buffer.from('second'));
    await waiting;
    assert.equal(woke, true);
    const { records } = await log.read(position, { maxRecords: 10, maxBytes: 100 });
    assert.deepEqual(records.map((r) => r.payload.toString()), ['second']);

    const controller = new AbortController();
    const aborted = log.waitForAppend(log.endPosition(), controller.signal);
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    await assert.rejects(log.waitForAppend(log.endPosition(), AbortSignal.abort()), { name: 'AbortError' });

    // A follower iterating with readBatches stops on abort too.
    const follower = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const batch of readBatches(log, 0, { follow: true, signal: follower.signal })) {
        for (const r of batch.records) seen.push(r.payload.toString());
        if (seen.length === 3) follower.abort();
      }
    })();
    await log.append(Buffer.from('third'));
    await assert.rejects(following, { name: 'AbortError' });
    assert.deepEqual(seen, ['first', 'second', 'third']);

    const pending = assert.rejects(log.waitForAppend(log.endPosition()), LogClosedError);
    await log.close();
    await pending;
    await assert.rejects(log.append(Buffer.from('late')), LogClosedError);
  } finally {
    dispose();
  }
});

test('close flushes queued appends before releasing the directory', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir, { groupDelayMs: 50 });
    const appends = Array.from({ length: 20 }, (_, i) => log.append(Buffer.from(`r${i}`)));
    await log.close();
    const acks = await Promise.all(appends);
    const reopened = await SegmentLog.open(dir);
    const { records } = await reopened.read(0, { maxRecords: 100, maxBytes: 10_000 });
    assert.deepEqual(records.map((r) => r.payload.toString()), appends.map((_, i) => `r${i}`));
    assert.deepEqual(records.map((r) => r.position), acks.map((a) => a.position));
    await reopened.close();
  } finally {
    dispose();
  }
});

test('deleteBefore removes only segments entirely before the position; reading them fails clearly', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir, { segmentBytes: 500 });
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(100, i));
    const acks = await Promise.all(payloads.map((p) => log.append(p)));
    // 108-byte records, 4 per 500-byte segment.
    const bases = segmentFiles(dir).map((name) => Number(name.slice(0, 20)));
    assert.equal(bases.length, 13);
    assert.deepEqual(bases, Array.from({ length: 13 }, (_, i) => acks[i * 4]!.position));

    // Record 9 sits in segment 2 (records 8..11): segments 0 and 1 are fully before it.
    assert.equal(await log.deleteBefore(acks[9]!.position), 2);
    assert.equal(log.startPosition(), acks[8]!.position);
    assert.deepEqual(segmentFiles(dir).map((n) => Number(n.slice(0, 20))), bases.slice(2));
    await assert.rejects(log.read(acks[3]!.position, { maxRecords: 1, maxBytes: 1000 }), (err: unknown) => {
      assert.ok(err instanceof LogRangeError);
      assert.match(err.message, new RegExp(`position ${acks[3]!.position} was deleted.*oldest retained position is ${acks[8]!.position}`));
      return true;
    });
    const rest = await log.read(acks[8]!.position, { maxRecords: 100, maxBytes: 100_000 });
    assert.deepEqual(rest.records.map((r) => r.payload), payloads.slice(8));

    // A segment end exactly at the position counts as consumed; the active one never goes.
    assert.equal(await log.deleteBefore(acks[12]!.position), 1);
    assert.equal(await log.deleteBefore(acks[12]!.position), 0);
    assert.equal(await log.deleteBefore(Number.MAX_SAFE_INTEGER), 9);
    assert.equal(segmentFiles(dir).length, 1);
    assert.equal(log.startPosition(), acks[48]!.position);
    await log.close();

    // After a restart positions continue where they were, from the retained segment.
    const reopened = await SegmentLog.open(dir, { segmentBytes: 500 });
    assert.equal(reopened.startPosition(), acks[48]!.position);
    const next = await reopened.append(Buffer.from('later'));
    assert.equal(next.position, acks[49]!.next);
    const tail = await reopened.read(reopened.startPosition(), { maxRecords: 10, maxBytes: 10_000 });
    assert.deepEqual(tail.records.map((r) => r.payload), [payloads[48], payloads[49], Buffer.from('later')]);
    await reopened.close();
  } finally {
    dispose();
  }
});

test('reads reject positions past the end or inside a record', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const log = await SegmentLog.open(dir);
    await log.append(Buffer.from('hello world'));
    const end = log.endPosition();
    assert.deepEqual(await log.read(end, { maxRecords: 5, maxBytes: 100 }), { records: [], end });
    await assert.rejects(log.read(end + 1, { maxRecords: 5, maxBytes: 100 }), /beyond the end of the log/);
    await assert.rejects(log.read(3, { maxRecords: 5, maxBytes: 100 }), /no valid record starts at position 3/);
    await assert.rejects(log.read(0, { maxRecords: 0, maxBytes: 100 }), RangeError);
    await log.close();
  } finally {
    dispose();
  }
});

test('open refuses unusable directories and a directory another log holds', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(SegmentLog.open(file), /log directory .*not-a-dir is not usable/);

    const logDir = join(dir, 'log');
    const log = await SegmentLog.open(logDir);
    await assert.rejects(SegmentLog.open(logDir), /already open in this process/);
    await log.close();

    // A lock left by a live process (the test runner that started us) keeps us out ...
    writeFileSync(join(logDir, 'LOCK'), `${process.ppid}\n`);
    await assert.rejects(SegmentLog.open(logDir), new RegExp(`in use by process ${process.ppid}.*delete .*LOCK`));
    // ... while a lock whose owner is gone is taken over.
    writeFileSync(join(logDir, 'LOCK'), '2147483646\n');
    const again = await SegmentLog.open(logDir);
    await again.close();

    writeFileSync(join(logDir, 'stray.seg'), '');
    await assert.rejects(SegmentLog.open(logDir), /unexpected file .*stray\.seg/);
    await assert.rejects(SegmentLog.open(logDir, { segmentBytes: 0 }), /invalid log options/);
  } finally {
    dispose();
  }
});

test('reads served from the recent-records cache equal reads from the segment files', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 0, max: 4000 }),
      fc.array(fc.record({ at: fc.nat(), maxRecords: fc.integer({ min: 1, max: 10 }), maxBytes: fc.integer({ min: 0, max: 900 }) }), { minLength: 1, maxLength: 20 }),
      async (sizes, cacheBytes, reads) => {
        const { dir, dispose } = tempLogDir();
        try {
          const cached = await SegmentLog.open(dir, { segmentBytes: 1024, readCacheBytes: cacheBytes });
          const results = await Promise.all(sizes.map((n, i) => cached.append(Buffer.alloc(n, i % 251))));
          const positions = [...results.map((r) => r.position), cached.endPosition()];
          const expected: Array<{ positions: number[]; end: number; payloads: string[] }> = [];
          const got: typeof expected = [];
          const flat = (r: Awaited<ReturnType<SegmentLog['read']>>) => ({ positions: r.records.map((x) => x.position), end: r.end, payloads: r.records.map((x) => x.payload.toString('hex')) });
          for (const read of reads) got.push(flat(await cached.read(positions[read.at % positions.length]!, read)));
          await cached.close();
          const uncached = await SegmentLog.open(dir, { segmentBytes: 1024, readCacheBytes: 0 });
          for (const read of reads) expected.push(flat(await uncached.read(positions[read.at % positions.length]!, read)));
          await uncached.close();
          assert.deepEqual(got, expected);
        } finally {
          dispose();
        }
      },
    ),
    { numRuns: 40, seed: Number(process.env.FC_SEED ?? 7321) },
  );
});
