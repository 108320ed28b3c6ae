import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentLog } from '../../src/log/segment-log.js';
import { readRecords } from '../../src/log/log-reader.js';
import { fixture, runAndKill } from './child-process.js';
import { seqOf } from './fixtures/payloads.js';
import { tempLogDir } from './log-test-dir.js';

test('SIGKILL at a random moment never loses or damages an acknowledged record', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    // Every acknowledgement from every run so far: seq -> position.
    const acked = new Map<number, number>();
    let nextSeq = 0;
    for (let run = 0; run < 10; run++) {
      const delayMs = Math.floor(Math.random() * 300);
      const lines = await runAndKill(fixture('crash-appender.ts'), [dir, String(nextSeq)], delayMs);
      assert.ok(lines.length > 0, `run ${run}: no acknowledgements before the kill`);
      for (const line of lines) {
        const [seq, position] = line.split(' ').map(Number);
        assert.ok(seq !== undefined && position !== undefined && !acked.has(seq), `run ${run}: bad ack line "${line}"`);
        acked.set(seq, position);
      }

      const log = await SegmentLog.open(dir, { segmentBytes: 64 * 1024 });
      try {
        const stored = new Map<number, number>();
        for await (const record of readRecords(log, log.startPosition())) {
          const seq = seqOf(record.payload);
          assert.ok(seq !== undefined, `run ${run}: record at ${record.position} is not one the writer made`);
          assert.ok(!stored.has(seq), `run ${run}: record ${seq} stored twice`);
          stored.set(seq, record.position);
          nextSeq = Math.max(nextSeq, seq + 1);
        }
        for (const [seq, position] of acked) {
          assert.equal(stored.get(seq), position, `run ${run} (killed ${delayMs} ms in): acknowledged record ${seq} at ${position}`);
        }
      } finally {
        await log.close();
      }
    }
    assert.ok(acked.size >= 10);
  } finally {
    dispose();
  }
});
