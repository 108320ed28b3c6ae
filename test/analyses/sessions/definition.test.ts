import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationValueMs as durationMs } from '../../../src/analyses/shared/duration.js';
import { sessionsDefinitionSchema, planSessions } from '../../../src/analyses/sessions/definition.js';
import { engagementDefinitionSchema, explicitDurationMs } from '../../../src/analyses/engagement/definition.js';
import { eventDays, sessionRules } from '../../../src/analyses/sessions/session-rules.js';

test('durations', () => {
  assert.equal(durationMs('30m'), 1_800_000);
  assert.equal(durationMs('1h30m'), 5_400_000);
  assert.equal(durationMs('90s'), 90_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('7d'), 604_800_000);
  assert.equal(durationMs(15), 15);
  for (const bad of ['', '30', 'm', '1.5h', '-1m', '30 m', '1e3s']) assert.equal(durationMs(bad), undefined, bad);
  assert.equal(durationMs(-1), undefined);
  assert.equal(durationMs(1.5), undefined);
});

test('sessions definition: defaults and errors with their path', () => {
  const plan = planSessions(sessionsDefinitionSchema.parse({}));
  assert.equal(plan.rules.timeoutMs, 1_800_000);
  assert.equal(plan.rules.maxLengthMs, 86_400_000);
  assert.equal(plan.view, 'daily');
  const bad = sessionsDefinitionSchema.safeParse({
    timeout: '30 minutes', from: '2024-02-30', success: { events: ['x'], afterIntent: true }, list: { limit: 0 }, extra: 1,
  });
  assert.equal(bad.success, false);
  const paths = bad.error?.issues.map((i) => i.path.join('.')).sort();
  assert.deepEqual(paths, ['', 'from', 'list.limit', 'success.afterIntent', 'timeout']);
  const reversed = sessionsDefinitionSchema.safeParse({ from: '2024-02-02', to: '2024-02-01', success: { events: ['x'], afterIntent: true } });
  assert.deepEqual(reversed.error?.issues.map((i) => i.path.join('.')).sort(), ['success.afterIntent', 'to']);
});

test('events read for a range', () => {
  assert.deepEqual(eventDays(sessionRules({ from: '2024-03-10', to: '2024-03-11' }), 'UTC'), { from: '2024-03-08', to: '2024-03-13' });
  assert.deepEqual(eventDays(sessionRules({ from: '2024-03-10', maxLength: '49h' }), 'UTC'), { from: '2024-03-06', to: null });
  assert.deepEqual(eventDays(sessionRules({ from: '2024-03-10', to: '2024-03-10', splitAtMidnight: true }), 'America/New_York'), { from: '2024-03-10', to: '2024-03-10' });
  // Date-times: the local dates of the first and last instant in the range, in the project zone.
  assert.deepEqual(eventDays(sessionRules({ from: '2024-03-10T23:30Z', to: '2024-03-11T04:00Z', splitAtMidnight: true }), 'Europe/Berlin'), { from: '2024-03-11', to: '2024-03-11' });
  assert.deepEqual(eventDays(sessionRules({ from: '2024-03-10T12:00', to: '2024-03-11T00:00', splitAtMidnight: true }), 'Asia/Tokyo'), { from: '2024-03-10', to: '2024-03-10' });
});

test('engagement definition and explicit durations', () => {
  const bad = engagementDefinitionSchema.safeParse({ contentEvents: ['a'], keys: ['k', 'k'], heartbeatEvents: ['b', 'a'] });
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')).sort(), ['heartbeatEvents.1', 'keys']);
  assert.equal(explicitDurationMs('12', 'ms'), 12);
  assert.equal(explicitDurationMs('12.9', 'ms'), 12);
  assert.equal(explicitDurationMs('12.5', 's'), 12_500);
  assert.equal(explicitDurationMs('0.0019', 's'), 1);
  assert.equal(explicitDurationMs('007', 's'), 7_000);
  for (const v of ['', ' 5', '5\n', '1e3', '-3', '.5', '1.', 'abc', '1234567890123']) assert.equal(explicitDurationMs(v, 'ms'), null, JSON.stringify(v));
  assert.equal(explicitDurationMs(undefined, 's'), null);
});
