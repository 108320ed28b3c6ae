import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backpressure } from '../../src/collector/backpressure.js';

function setup(maxLagBytes: number, maxLagMs: number) {
  const clock = { t: 0, loaded: 0 };
  const bp = new Backpressure({ maxLagBytes, maxLagMs, now: () => clock.t, loadedPosition: () => clock.loaded });
  return { clock, bp };
}

test('under the byte limit everyone writes; over it the project holding the backlog is refused, a small one is not', () => {
  const { clock, bp } = setup(1000, 0);
  let end = 0;
  const append = (p: string, n: number) => bp.noteAppend(p, (end += n), n);
  append('flood', 900);
  assert.equal(bp.check('flood'), undefined);
  append('flood', 300);
  append('small', 50);
  assert.match(bp.check('flood')?.message ?? '', /1250 bytes of accepted events are waiting to load \(limit 1000\)/);
  assert.equal(bp.check('small'), undefined);
  // Past twice the limit nobody writes.
  append('flood', 800);
  assert.ok(bp.check('small'));
  // The loader catching up lifts it, and forgets what it loaded.
  clock.loaded = end;
  assert.equal(bp.check('flood'), undefined);
  assert.deepEqual(bp.stats(), { backlogBytes: 0, oldestAgeMs: 0, projects: 0 });
});

test('the oldest unloaded request older than the time limit refuses writes', () => {
  const { clock, bp } = setup(0, 30_000);
  bp.noteAppend('a', 100, 100);
  clock.t = 30_000;
  assert.equal(bp.check('a'), undefined);
  clock.t = 30_001;
  const refused = bp.check('a');
  assert.equal(refused?.retryAfterSeconds, 2);
  assert.match(refused?.message ?? '', /waited 30 s to load \(limit 30 s\)/);
  clock.loaded = 100;
  assert.equal(bp.check('a'), undefined);
});

test('limits of 0 never refuse', () => {
  const { bp } = setup(0, 0);
  for (let i = 1; i <= 10_000; i++) bp.noteAppend('a', i * 1000, 1000);
  assert.equal(bp.check('a'), undefined);
  assert.equal(bp.stats().backlogBytes, 10_000_000);
});
