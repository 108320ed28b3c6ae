import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SegmentLog } from '../../src/log/segment-log.js';
import { fixture } from './child-process.js';
import { segmentFiles, tempLogDir } from './log-test-dir.js';

test('a failed write rejects only its own appends and later appends continue right after the last good record', async () => {
  const { dir, dispose } = tempLogDir();
  try {
    const limitKiB = 4096;
    const bigBytes = 6 * 1024 * 1024; // crosses the 4 MiB file size limit after a partial write
    // ulimit -f turns writes past the limit into EFBIG (node ignores SIGXFSZ): a real disk error.
    const out = execFileSync(
      'sh',
      ['-c', `ulimit -f ${limitKiB} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', fixture('write-failure.ts'), dir, String(bigBytes)],
      { encoding: 'utf8' },
    );
    const report = JSON.parse(out) as {
      before: unknown[];
      failing: unknown[];
      after: unknown[];
      records: Array<{ position: number; text: string }>;
      writeErrors: number;
      pendingBytes: number;
    };
    assert.deepEqual(report.before, [0, 11]);
    assert.deepEqual(report.failing, ['LogWriteError', 'LogWriteError']);
    // The bytes of the failed write were cut, so the next record follows "two" directly.
    assert.deepEqual(report.after, [22]);
    assert.deepEqual(report.records, [
      { position: 0, text: 'one' },
      { position: 11, text: 'two' },
      { position: 22, text: 'three' },
    ]);
    assert.equal(report.writeErrors, 1);
    assert.equal(report.pendingBytes, 0);

    // The cut was made durable: the file holds exactly the three records, and reopening finds no tail to repair.
    assert.equal(statSync(join(dir, segmentFiles(dir)[0]!)).size, 35);
    const log = await SegmentLog.open(dir);
    assert.equal(log.stats().recoveredTailBytes, 0);
    assert.equal(log.endPosition(), 35);
    await log.close();
  } finally {
    dispose();
  }
});
