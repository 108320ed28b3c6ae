/** The shared time, number, ordering and duration helpers trends, retention and paths rely on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeInput, resolveRange } from '../../../src/analyses/shared/time-range.js';
import { bucketKeyOf, bucketKeysInRange, bucketLabel, previousRange } from '../../../src/analyses/shared/time-buckets.js';
import { numericValue } from '../../../src/analyses/shared/numeric.js';
import { compareUtf8, compareUtf8Arrays } from '../../../src/analyses/shared/utf8-order.js';
import { durationSchema, parseDuration } from '../../../src/analyses/shared/duration.js';
import { localToUtc } from '../../../src/analyses/shared/zoned-time.js';

const iso = (ms: number) => new Date(ms).toISOString();
const NY = 'America/New_York';

test('a date-only range covers whole local days, `to` inclusive', () => {
  const r = resolveRange('2024-03-10', '2024-03-10', NY);
  assert.equal(iso(r.fromMs), '2024-03-10T05:00:00.000Z');
  assert.equal(iso(r.toMs), '2024-03-11T04:00:00.000Z'); // a 23-hour day
});

test('local date-times: skipped times move forward, repeated times take the first instant; offsets are exact', () => {
  const at = (text: string) => iso(resolveRange(text, '2030-01-01', NY).fromMs);
  assert.equal(at('2024-03-10T02:30'), '2024-03-10T07:30:00.000Z'); // 03:30 EDT
  assert.equal(at('2024-11-03T01:30'), '2024-11-03T05:30:00.000Z'); // the EDT 01:30
  assert.equal(at('2024-11-03T01:30:00-05:00'), '2024-11-03T06:30:00.000Z');
  assert.equal(at('2024-11-03 01:30:15.5Z'), '2024-11-03T01:30:15.500Z');
  assert.equal(iso(localToUtc({ year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 0, millisecond: 0 }, 'Asia/Kolkata')), '2024-02-28T18:30:00.000Z');
});

test('malformed times explain themselves', () => {
  assert.equal(typeof parseTimeInput('2024-02-30'), 'string');
  assert.equal(typeof parseTimeInput('2024-03-10T24:00'), 'string');
  assert.equal(typeof parseTimeInput('10/03/2024'), 'string');
  assert.equal(typeof parseTimeInput('2024-02-29'), 'object');
});

test('hour buckets: a fall-back night has two 01:00 buckets with one label', () => {
  const keys = bucketKeysInRange(resolveRange('2024-11-03', '2024-11-03', NY), 'hour', NY);
  assert.equal(keys.length, 25);
  assert.deepEqual(keys.slice(1, 3).map((k) => bucketLabel(k, 'hour', NY)), ['2024-11-03 01:00', '2024-11-03 01:00']);
  // Asia/Kolkata hours start at :30 UTC.
  assert.equal(bucketKeyOf(Date.parse('2024-03-10T04:59:59.999Z'), 'hour', 'Asia/Kolkata'), Date.parse('2024-03-10T04:30:00Z') / 1000);
});

test('weeks start on Monday and months on the 1st, in local time', () => {
  const sundayNight = Date.parse('2024-03-11T03:30:00Z'); // Sunday 23:30 EDT
  assert.equal(bucketLabel(bucketKeyOf(sundayNight, 'week', NY), 'week', NY), '2024-03-04');
  assert.equal(bucketLabel(bucketKeyOf(sundayNight, 'week', 'UTC'), 'week', 'UTC'), '2024-03-11');
  assert.equal(bucketLabel(bucketKeyOf(Date.parse('2024-03-01T03:00:00Z'), 'month', NY), 'month', NY), '2024-02-01');
});

test('the previous period moves back by the number of buckets; month days are clamped', () => {
  const days = previousRange(resolveRange('2024-03-11', '2024-03-12', NY), 'day', NY);
  assert.deepEqual([iso(days.fromMs), iso(days.toMs)], ['2024-03-09T05:00:00.000Z', '2024-03-11T04:00:00.000Z']);
  const months = previousRange(resolveRange('2024-03-31T12:00Z', '2024-05-01T00:00Z', 'UTC'), 'month', 'UTC');
  assert.deepEqual([iso(months.fromMs), iso(months.toMs)], ['2024-01-31T12:00:00.000Z', '2024-03-01T00:00:00.000Z']);
  const clamped = previousRange(resolveRange('2024-03-31T12:00Z', '2024-03-31T18:00Z', 'UTC'), 'month', 'UTC');
  assert.deepEqual([iso(clamped.fromMs), iso(clamped.toMs)], ['2024-02-29T12:00:00.000Z', '2024-02-29T18:00:00.000Z']);
});

test('numbers are decimal texts (leading zeros allowed) that fit a float', () => {
  assert.deepEqual(['1', '-2.5', '1e3', '0', '-0', '01', '007.50', '-01', '0e999'].map(numericValue), [1, -2.5, 1000, 0, -0, 1, 7.5, -1, 0]);
  assert.deepEqual([' 5', '0x10', '+1', 'inf', 'NaN', '1_000', '', '1e400', '.5', '5.', '1,5', '1e'].map(numericValue), Array(12).fill(undefined));
});

test('strings order by code point (= UTF-8 bytes), arrays element-wise with prefixes first', () => {
  assert.equal(compareUtf8('\uE000', '😀'), -1);
  assert.equal('😀' < '\uE000', true); // what plain JavaScript comparison would have said
  assert.equal(compareUtf8('a', 'ab'), -1);
  assert.equal(compareUtf8Arrays(['a'], ['a', 'b']), -1);
  assert.equal(compareUtf8Arrays(['b'], ['a', 'c']), 1);
});

test('durations', () => {
  assert.deepEqual(['90s', '30m', '4h', '7d', '2w'].map(parseDuration), [90_000, 1_800_000, 14_400_000, 604_800_000, 1_209_600_000]);
  assert.deepEqual(['1.5h', '30', 'm', '-1h'].map(parseDuration), Array(4).fill(undefined));
  // Zero is a duration; a schema's range refuses it.
  assert.equal(parseDuration('0m'), 0);
  assert.equal(durationSchema(60_000, 86_400_000).safeParse('0m').success, false);
  assert.equal(durationSchema(60_000, 86_400_000).safeParse('30s').success, false);
  assert.equal(durationSchema(60_000, 86_400_000).safeParse('2d').success, false);
  assert.equal(durationSchema(60_000, 86_400_000).safeParse('1d').success, true);
});
