/**
 * The files data teams export, each imported with the command docs/import.md gives for it:
 *  - one CSV per funnel page (user_id,page, no time) plus a users table (signup date, device, sex);
 *  - a semicolon-separated mobile events export with local times and device ids;
 *  - a flyer (attribution tool) raw events CSV with -04:00 offsets, mapped by a YAML file.
 * The CLI runs in child processes on one data directory; the store is opened afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/app.js';
import type { Store } from '../../src/store/store.js';
import { personProperty, resolvedEvents } from '../../src/analyses/event-source.js';
import { funnelAnalysis } from '../../src/analyses/funnel/index.js';
import { cli, fixturePath } from './helpers.js';

let dataDir: string;
let store: Store | undefined;
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'clickpath-realistic-'));
});
after(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function ok(args: string[]): string {
  const r = cli([...args, '--data-dir', dataDir]);
  assert.equal(r.code, 0, `clickpath ${args.join(' ')}\n${r.err}\n${r.out}`);
  return r.out;
}

test('the documented commands import all three exports', () => {
  ok(['project', 'create', 'shop']);
  ok(['project', 'create', 'app', '--timezone', 'Europe/Berlin']);
  // Funnel pages: the users table first, because the pages take their time from it.
  const users = ok(['import', fixturePath('funnel/user_table.csv'), '--project', 'shop', '--kind', 'persons', '--person', 'user_id']);
  assert.match(users, /stored: 8 person row/);
  for (const page of ['home_page_table', 'search_page_table', 'payment_page_table', 'payment_confirmation_table']) {
    const out = ok(['import', fixturePath(`funnel/${page}.csv`), '--project', 'shop', '--person', 'user_id', '--event-column', 'page', '--timestamp-from', 'persons:date']);
    assert.match(out, /rejected: 0/);
  }
  const mobile = ok(['import', fixturePath('mobile/mobile_events.csv'), '--project', 'app', '--mapping', fixturePath('mobile/mobile-mapping.yaml')]);
  assert.match(mobile, /stored: 7 event/);
  const flyer = ok(['import', fixturePath('flyer/flyer_events.csv'), '--project', 'app', '--mapping', fixturePath('flyer/flyer-mapping.yaml')]);
  assert.match(flyer, /stored: 4 event/);
});

async function open(): Promise<Store> {
  store ??= await openStore(loadConfig({ dataDir } as never, {}));
  return store;
}

test('funnel pages: a funnel in any order, broken down by the imported device attribute', async () => {
  const s = await open();
  const steps = ['home_page', 'search_page', 'payment_page', 'payment_confirmation_page'].map((event) => ({ event }));
  const result = await funnelAnalysis.run(
    { store: s, projectId: 'shop', timezone: 'UTC', now: () => Date.UTC(2024, 0, 1) },
    funnelAnalysis.schema.parse({ steps, order: 'any', window: '1d', breakdown: { type: 'person', property: 'device' } }),
  );
  assert.deepEqual(result.steps.map((x) => x.persons), [8, 5, 3, 1]);
  const byDevice = Object.fromEntries((result.breakdown?.rows ?? []).map((r) => [r.value, r.steps.map((x) => x.persons)]));
  assert.deepEqual(byDevice, { Desktop: [5, 3, 1, 0], Mobile: [3, 2, 2, 1] });
  const [sex] = await s.query<{ value: string }>(`SELECT value FROM ${personProperty(s.database, 'k')} WHERE person_id = '993454'`, { project: 'shop', k: 'sex' });
  assert.equal(sex?.value, 'Male');
});

test('mobile export: Berlin local times, device ids merged into the user who logged in', async () => {
  const s = await open();
  const src = resolvedEvents(s.database, 'app', `e.event IN ('app_open', 'view_item', 'login', 'purchase')`);
  const rows = await s.query<{ person_id: string; events: string[]; first: string; os: string[]; country: string[] }>(
    `SELECT person_id, arrayMap(x -> x.2, arraySort(groupArray((timestamp, event)))) AS events, toString(min(timestamp)) AS first,
            groupUniqArray(os) AS os, groupUniqArray(country) AS country
     FROM ${src.sql} GROUP BY person_id ORDER BY person_id`, src.params);
  assert.deepEqual(rows, [
    { person_id: 'd-200', events: ['app_open', 'view_item'], first: '2019-10-01 19:15:00.000', os: ['Android'], country: ['AT'] },
    { person_id: 'u-42', events: ['app_open', 'view_item', 'login', 'purchase', 'app_open'], first: '2019-10-01 06:00:00.000', os: ['iOS'], country: ['DE'] },
  ]);
  const [props] = await s.query<{ properties: Record<string, string> }>(
    `SELECT properties FROM ${s.database}.events WHERE project_id = 'app' AND event = 'purchase'`);
  assert.deepEqual(props?.properties, { app_version: '5.2.1', session_id: 's1' });
});

test('flyer export: -04:00 offsets, attribution columns in typed columns, event value kept as a property', async () => {
  const s = await open();
  const rows = await s.query<Record<string, unknown>>(
    `SELECT toString(timestamp) AS ts, event, person_id, channel, utm_campaign, country, os, device_type, properties
     FROM ${s.database}.events WHERE project_id = 'app' AND startsWith(event, 'af_') ORDER BY timestamp`);
  assert.deepEqual(rows, [
    { ts: '2018-10-01 17:54:59.000', event: 'af_app_opened', person_id: '1538416499123-1111111', channel: 'Facebook Ads', utm_campaign: 'fall_sale', country: 'US', os: 'ios', device_type: 'iPhone', properties: {} },
    { ts: '2018-10-01 17:56:10.000', event: 'af_complete_registration', person_id: 'cust-1', channel: 'Facebook Ads', utm_campaign: 'fall_sale', country: 'US', os: 'ios', device_type: 'iPhone', properties: { 'Event Value': '{"method":"email"}' } },
    { ts: '2018-10-01 18:02:33.000', event: 'af_purchase', person_id: 'cust-1', channel: 'Facebook Ads', utm_campaign: 'fall_sale', country: 'US', os: 'ios', device_type: 'iPhone', properties: { 'Event Value': '{"af_revenue":"9.99","af_currency":"USD"}' } },
    { ts: '2018-10-02 00:11:00.000', event: 'af_app_opened', person_id: '1538500000000-2222222', channel: 'organic', utm_campaign: '', country: 'CA', os: 'android', device_type: 'Pixel 2', properties: {} },
  ]);
  // The install id is linked to the customer once both appear on one row.
  const src = resolvedEvents(s.database, 'app', `startsWith(e.event, 'af_')`);
  const persons = await s.query<{ person_id: string; n: number }>(`SELECT person_id, toUInt32(count()) AS n FROM ${src.sql} GROUP BY person_id ORDER BY person_id`, src.params);
  assert.deepEqual(persons, [{ person_id: '1538500000000-2222222', n: 1 }, { person_id: 'cust-1', n: 3 }]);
});
