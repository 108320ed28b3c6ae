/** The one duration grammar: every spelling the four old grammars accepted, combinations, errors, round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  durationMs,
  durationOrMsSchema,
  durationSchema,
  durationValueMs,
  formatDuration,
  parseDuration,
  UNIT_MS,
} from '../../../src/analyses/shared/duration.js';
import { funnelDefinitionSchema, windowMs } from '../../../src/analyses/funnel/definition.js';
import { sessionsDefinitionSchema, planSessions } from '../../../src/analyses/sessions/definition.js';
import { pathsDefinitionSchema } from '../../../src/analyses/paths/definition.js';
import { parseWindow } from '../../../src/live/live-window.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

test('single units, combinations and the spellings of the old grammars', () => {
  const cases: Array<[string, number]> = [
    ['90s', 90 * S], ['30m', 30 * M], ['4h', 4 * H], ['7d', 7 * D], ['2w', 2 * W], ['500ms', 500],
    ['1h30m', H + 30 * M], ['1d12h', D + 12 * H], ['2w3d', 17 * D], ['1m30s250ms', 90 * S + 250],
    // Old session spellings: leading zeros, any order, repeated units.
    ['05m', 5 * M], ['30m1h', H + 30 * M], ['1m1m', 2 * M],
    // Old funnel spelling with many digits.
    ['1209600000ms', 2 * W],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('what is not a duration', () => {
  const bad = ['', '30', 'm', '1.5h', '-1h', '+1h', '30 m', ' 30m', '30m ', '1e3s', '30M', '1H', '30min', '1h 30m', '1y', '1hh', 'h1', '1_000s', '１h', '9'.repeat(20) + 's', '1s'.repeat(40)];
  for (const text of bad) assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  assert.equal(parseDuration(String(2 ** 53) + 'ms'), undefined);
});

test('numbers are milliseconds only where a number was always accepted', () => {
  assert.equal(durationValueMs(15), 15);
  assert.equal(durationValueMs(-1), undefined);
  assert.equal(durationValueMs(1.5), undefined);
  assert.equal(durationOrMsSchema(1, D).safeParse(1500).success, true);
  assert.equal(durationSchema(1, D).safeParse(1500 as unknown as string).success, false);
  assert.equal(durationMs(undefined, 42), 42);
  assert.throws(() => durationMs('half an hour'), /not a duration|invalid duration/);
});

test('errors name the valid spellings and the range', () => {
  const r = durationSchema(M, D).safeParse('30 minutes');
  assert.equal(r.success, false);
  assert.match(r.error?.issues[0]?.message ?? '', /1h30m.*7d.*2w|90s, 30m, 1h30m/);
  const range = durationSchema(M, D).safeParse('2d');
  assert.match(range.error?.issues[0]?.message ?? '', /between 1m and 1d/);
  const live = parseWindow('4 hours');
  assert.equal(live.ok, false);
  assert.match(live.ok ? '' : live.error, /90s, 30m, 1h30m/);
});

test('every analysis and the live window accept the same new spellings', () => {
  // Funnel windows took 2w but not 1h30m; session timeouts the opposite; live windows neither.
  assert.equal(windowMs(funnelDefinitionSchema.parse({ steps: [{ event: 'a' }, { event: 'b' }], window: '1h30m' }).window), H + 30 * M);
  const sessions = planSessions(sessionsDefinitionSchema.parse({ timeout: '1w', maxLength: '1d12h' }));
  assert.deepEqual([sessions.rules.timeoutMs, sessions.rules.maxLengthMs], [W, D + 12 * H]);
  assert.equal(pathsDefinitionSchema.safeParse({ startEvent: 'a', from: '2024-01-01', to: '2024-01-02', sessionTimeout: '1h30m' }).success, true);
  assert.deepEqual(parseWindow('1h30m'), { ok: true, ms: H + 30 * M });
  assert.deepEqual(parseWindow(' 2h '), { ok: true, ms: 2 * H });
  // Ranges stay as they were.
  assert.equal(funnelDefinitionSchema.safeParse({ steps: [{ event: 'a' }, { event: 'b' }], window: '0s' }).success, false);
  assert.equal(funnelDefinitionSchema.safeParse({ steps: [{ event: 'a' }, { event: 'b' }], window: '367d' }).success, false);
  assert.equal(sessionsDefinitionSchema.safeParse({ timeout: '0m' }).success, false);
  assert.equal(parseWindow('59s').ok, false);
  assert.equal(parseWindow('1w1s').ok, false);
});

test('format → parse is the identity, and format writes the canonical spelling', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ms) => {
      const text = formatDuration(ms);
      assert.equal(parseDuration(text), ms);
      assert.match(text, /^(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$/);
    }),
    { numRuns: 2000 },
  );
  assert.equal(formatDuration(H + 30 * M), '1h30m');
  assert.equal(formatDuration(0), '0s');
  assert.throws(() => formatDuration(-1));
});

test('parse → format → parse: any accepted text means what its canonical spelling means', () => {
  const unit = fc.constantFrom(...(Object.keys(UNIT_MS) as Array<keyof typeof UNIT_MS>));
  const part = fc.tuple(fc.integer({ min: 0, max: 100_000 }), unit).map(([n, u]) => `${n}${u}`);
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
      const text = parts.join('');
      const ms = parseDuration(text);
      const expected = parts.reduce((sum, p) => {
        const m = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(p)!;
        return sum + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
      }, 0);
      assert.equal(ms, expected);
      assert.equal(parseDuration(formatDuration(expected)), expected);
    }),
    { numRuns: 2000 },
  );
});
