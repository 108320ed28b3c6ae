/**
 * The scooter and flyer demos answer their questions, engine against the reference on exactly
 * the rows the demo generator stored: "looked for a scooter / booked one" per session and per day,
 * time on each flyer per person and day, and the per-merchant, per-flyer BI report.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../../helpers/temp-store.js';
import type { Store } from '../../../src/store/store.js';
import { generateDemo } from '../../../src/demo/generate-demo.js';
import type { RefEvent } from '../../../src/analyses/sessions/reference-sessionize.js';
import { sessionsAnalysis } from '../../../src/analyses/sessions/index.js';
import { planSessions, type SessionsDefinition } from '../../../src/analyses/sessions/definition.js';
import { referenceSessionsResult } from '../../../src/analyses/sessions/reference.js';
import { engagementAnalysis } from '../../../src/analyses/engagement/index.js';
import { planEngagement, type EngagementDefinition } from '../../../src/analyses/engagement/definition.js';
import { referenceEngagementResult } from '../../../src/analyses/engagement/reference.js';

let store: Store;
let dispose: () => Promise<void>;
const END = new Date(Date.UTC(2024, 5, 30));

async function readBack(projectId: string): Promise<RefEvent[]> {
  const rows = await store.query<{ id: string; person: string; type: string; event: string; ms: string; channel: string; utm_campaign: string; page_path: string; device_type: string; properties: Record<string, string> }>(
    `SELECT toString(event_id) AS id, person_id AS person, type, event, toString(toUnixTimestamp64Milli(timestamp)) AS ms,
            channel, utm_campaign, page_path, device_type, properties
     FROM ${store.database}.events WHERE project_id = {p:String}`, { p: projectId });
  return rows.map((r) => ({
    eventId: r.id, personId: r.person, type: r.type, event: r.event, timestampMs: Number(r.ms),
    channel: r.channel, utmCampaign: r.utm_campaign, pagePath: r.page_path, deviceType: r.device_type, properties: r.properties,
  }));
}

before(async () => {
  ({ store, dispose } = await tempStore());
  await generateDemo(store, { scenario: 'scooter', projectId: 'scooter', events: 20_000, seed: 3, end: END, days: 30 });
  await generateDemo(store, { scenario: 'flyers', projectId: 'flyers', events: 20_000, seed: 3, end: END, days: 30 });
});
after(async () => dispose());

test('scooter demo: sessions that looked for a scooter and booked one, per day and per session', async () => {
  const events = await readBack('scooter');
  const ctx = { store, projectId: 'scooter', timezone: 'Europe/Berlin', now: () => END.getTime() };
  const goals = { intent: { events: ['map_viewed', 'scooter_selected'] }, success: { events: ['ride_started'], afterIntent: true } };
  const daily: SessionsDefinition = { timeout: '15m', ...goals } as SessionsDefinition;
  const got = await sessionsAnalysis.run(ctx, daily);
  assert.deepEqual(got, referenceSessionsResult(events, planSessions(daily), ctx.timezone));
  assert.equal(got.view, 'daily');
  if (got.view !== 'daily') return;
  const intent = got.days.reduce((s, d) => s + d.intentSessions, 0);
  const booked = got.days.reduce((s, d) => s + d.intentSuccessSessions, 0);
  assert.ok(intent > booked && booked > 0, `some sessions search without booking (${intent} looked, ${booked} booked)`);
  const list = { timeout: '15m', ...goals, view: 'list', list: { hasIntent: true, hasSuccess: false, limit: 50 } } as SessionsDefinition;
  assert.deepEqual(await sessionsAnalysis.run(ctx, list), referenceSessionsResult(events, planSessions(list), ctx.timezone));
});

test('flyer demo: time on content per person and day, and per merchant, flyer and day', async () => {
  const events = await readBack('flyers');
  const ctx = { store, projectId: 'flyers', timezone: 'America/New_York', now: () => END.getTime() };
  for (const report of ['per_person_day', 'per_item_day'] as const) {
    const def = { contentEvents: ['flyer_open', 'item_open'], keys: ['merchant_id', 'flyer_id'], timeout: '30m', report } as EngagementDefinition;
    const got = await engagementAnalysis.run(ctx, def);
    assert.deepEqual(got, referenceEngagementResult(events, planEngagement(def), ctx.timezone));
    assert.ok(JSON.stringify(got).length > 1000, `${report} has rows`);
  }
});
