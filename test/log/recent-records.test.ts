import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentRecords } from '../../src/log/recent-records.js';

test('evicted records are released at once, not kept until compaction (flood memory regression)', () => {
  const cache = new RecentRecords(10 * 1000);
  let position = 0;
  for (let i = 0; i < 3000; i++) {
    const payload = Buffer.alloc(1000);
    cache.add({ position, next: position + 1016, payload });
    position += 1016;
    // 10 records fit in the byte bound; before the fix up to 4096 evicted ones stayed reachable.
    assert.ok(cache.heldRecords() <= 10, `record ${i}: ${cache.heldRecords()} held`);
  }
  const read = cache.read(position - 1016 * 3, position, { maxRecords: 100, maxBytes: 1e9 });
  assert.equal(read?.records.length, 3);
  assert.equal(cache.read(0, position, { maxRecords: 1, maxBytes: 1e9 }), null);
});
