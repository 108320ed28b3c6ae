/**
 * One from/to grammar (docs/definitions.md, "Time ranges"): the same spellings give the same
 * range in trends, the funnel, sessions and engagement, on the engine. The project is in New
 * York and 2024-03-10 is the night its clocks skip 02:00–03:00, so a zone slip or a skipped
 * hour read differently by one analysis changes a count here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { funnelDefinitionSchema } from '../../../src/analyses/funnel/definition.js';
import { planFunnel } from '../../../src/analyses/funnel/funnel-plan.js';
import { runFunnel } from '../../../src/analyses/funnel/run-funnel.js';
import { trendsAnalysis } from '../../../src/analyses/trends/index.js';
import { sessionsAnalysis } from '../../../src/analyses/sessions/index.js';
import { engagementAnalysis } from '../../../src/analyses/engagement/index.js';
import { sessionRange, sessionRules } from '../../../src/analyses/sessions/session-rules.js';
import { resolveRange } from '../../../src/analyses/shared/time-range.js';
import type { SessionsResult } from '../../../src/analyses/sessions/result.js';
import { context, insertProjects, type EventSpec } from '../funnel/helpers.js';

const ZONE = 'America/New_York';
const PROJECT = 'ranges';

/** One `view` per person, so events, step-1 entries, sessions and views are the same count. */
const INSTANTS = [
  '2024-03-10T04:59:59.999Z', // 03-09 23:59:59.999 EST
  '2024-03-10T05:00:00.000Z', // 03-10 00:00 EST
  '2024-03-10T07:00:00.000Z', // 03:00 EDT, the first instant after the gap
  '2024-03-10T18:30:00.000Z', // 14:30 EDT
  '2024-03-10T18:30:15.250Z',
  '2024-03-10T18:30:15.251Z',
  '2024-03-11T03:59:59.999Z', // 03-10 23:59:59.999 EDT
  '2024-03-11T04:00:00.000Z', // 03-11 00:00 EDT
  '2024-03-11T12:00:00.000Z', // 08:00 EDT
];
const EVENTS: EventSpec[] = INSTANTS.map((at, i) => ({ person: `p${i}`, event: 'view', t: Date.parse(at) }));

/** [from, to, how many INSTANTS lie in the range]. */
const CASES: ReadonlyArray<[string, string, number]> = [
  ['2024-03-10', '2024-03-10', 6], // whole local day, `to` inclusive
  ['2024-03-10T02:30', '2024-03-10 14:30:15.250', 1], // 02:30 does not exist: 03:30 EDT; `to` exclusive
  ['2024-03-10T05:00Z', '2024-03-11T00:00-04:00', 6], // exact instants
  ['2024-03-10T01:00-04:00', '2024-03-11', 8], // an offset and a date mixed: to the end of 03-11
  ['2024-03-09', '2024-03-11T08:00', 8], // 08:00 EDT = 12:00Z, excluded
  ['2024-03-10T18:30:15.25+00:00', '2024-03-10T18:30:15.251Z', 1], // milliseconds with one or two digits
];

let store: Store;
let dispose: () => Promise<void>;
before(async () => {
  ({ store, dispose } = await tempStore());
  await insertProjects(store, [{ project: PROJECT, events: EVENTS }]);
});
after(async () => dispose());

const ctx = () => context(store, PROJECT, ZONE);

test('every analysis resolves each spelling to the same instants', () => {
  for (const [from, to] of CASES) {
    const shared = resolveRange(from, to, ZONE);
    const funnel = planFunnel(funnelDefinitionSchema.parse({ steps: [{ event: 'view' }, { event: 'never' }], from, to }), { timezone: ZONE });
    assert.deepEqual({ fromMs: funnel.fromMs, toMs: funnel.toMs }, shared, `funnel ${from}..${to}`);
    const sessions = sessionsAnalysis.schema.parse({ from, to });
    assert.deepEqual(sessionRange(sessionRules(sessions), ZONE), shared, `sessions ${from}..${to}`);
  }
});

test('trends, funnel, sessions and engagement count the same events for each spelling', async () => {
  for (const [from, to, expected] of CASES) {
    const trends = await trendsAnalysis.run(ctx(), trendsAnalysis.schema.parse({ event: 'view', from, to, interval: 'hour' }));
    const trendCount = trends.current.series[0]?.values.reduce<number>((a, v) => a + (v ?? 0), 0);
    const funnel = await runFunnel(ctx(), { steps: [{ event: 'view' }, { event: 'never' }], from, to });
    const sessions = (await sessionsAnalysis.run(ctx(), sessionsAnalysis.schema.parse({ from, to }))) as Extract<SessionsResult, { view: 'daily' }>;
    const engagement = await engagementAnalysis.run(ctx(), engagementAnalysis.schema.parse({ contentEvents: ['view'], report: 'daily', from, to }));
    const views = engagement.report === 'daily' ? engagement.rows.reduce((a, d) => a + d.views, 0) : -1;
    assert.deepEqual(
      {
        trends: trendCount,
        funnel: funnel.steps[0]?.persons,
        sessions: sessions.days.reduce((a, d) => a + d.sessions, 0),
        engagement: views,
      },
      { trends: expected, funnel: expected, sessions: expected, engagement: expected },
      `${from}..${to}`,
    );
    assert.equal(funnel.from, trends.current.from, `${from}: funnel and trends report the same start`);
    assert.equal(funnel.to, trends.current.to, `${to}: funnel and trends report the same end`);
  }
});

test('spellings the funnel or sessions took before still parse (or say what to write)', () => {
  const funnel = (from: string) => funnelDefinitionSchema.safeParse({ steps: [{ event: 'a' }, { event: 'b' }], from });
  for (const ok of ['2024-03-10', '2024-03-10T14:30Z', '2024-03-10T14:30:15.5+05:30', '2024-03-10T14:30+23:00']) {
    assert.ok(funnel(ok).success, ok);
    assert.ok(sessionsAnalysis.schema.safeParse({ from: ok }).success, ok);
  }
  // Date.parse rolled these over; the error names the date it meant.
  const rolled = funnel('2024-02-30T10:00Z');
  assert.equal(rolled.success, false);
  assert.match(rolled.error?.issues[0]?.message ?? '', /day 30 does not exist in 2024-02 \(rolled over it is 2024-03-01: write that\)/);
  const midnight = funnel('2024-12-31T24:00Z');
  assert.match(midnight.error?.issues[0]?.message ?? '', /24:00 is written 2025-01-01T00:00Z \(the next day's midnight\)/);
  assert.equal(sessionsAnalysis.schema.safeParse({ from: '2024-03-11', to: '2024-03-10' }).success, false);
  assert.ok(sessionsAnalysis.schema.safeParse({ from: '2024-03-10', to: '2024-03-10' }).success);
});
