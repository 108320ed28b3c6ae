/**
 * The browser SDKs, unchanged, from node_modules, in Chromium: @segment/analytics-next (its
 * standalone bundle, as the Segment snippet loads it), @rudderstack/analytics-js (bundled UMD) and
 * posthog-js (dist/array.js, as the PostHog snippet loads it). Each page is served from its own
 * localhost origin and sends 200 events across origins to a Clickpath server; the test then reads
 * the store: 200 of 200 rows, the SDK's own message ids, properties, and the identity links.
 * Requests to any host but loopback are aborted and listed (none may be attempted).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { launchBrowser, skipBrowser, type Browser } from './browser.js';
import { resolvedEvents } from '../../src/analyses/event-source.js';
import { eventIdFromMessageId } from '../../src/events/event-id.js';
import { projectStatus } from '../../src/api/routes/status.route.js';
import type { CreatedProject } from '../../src/projects/project-registry.js';

const LABEL = 'ünï "quoted" 🎉';
const skip = skipBrowser ? 'CLICKPATH_SKIP_BROWSER=1' : false;
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
/** URL prefix → folder in node_modules (only these are served). */
const ASSETS: Record<string, string> = {
  '/analytics-next/bundles/': '@segment/analytics-next/dist/umd/',
  '/sdk/rudderstack/': '@rudderstack/analytics-js/dist/npm/modern/bundled/umd/',
  '/sdk/posthog/': 'posthog-js/dist/',
};
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8' };

let t: TestApp;
/** Write keys whose CDN settings tell analytics.js to batch (to /v1/b). */
const batchingKeys = new Set<string>();
let site: Server;
let siteUrl = '';
let browser: Browser;
const pages: Record<string, string> = {};
const outside: string[] = [];
const failedResponses: string[] = [];

before(async () => {
  if (skip) return;
  t = await startTestApp();
  site = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const respond = (status: number, body: string | Buffer, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const html = pages[path];
    if (html !== undefined) return respond(200, html, TYPES['.html']);
    // The snippet's CDN settings, self-hosted: Segment.io pointed at the Clickpath server.
    const settings = /^\/v1\/projects\/([^/]+)\/settings$/.exec(path);
    if (settings) {
      return respond(200, JSON.stringify({
        integrations: { 'Segment.io': {
          apiKey: settings[1], apiHost: `${new URL(t.app.url).host}/v1`, protocol: 'http',
          ...(batchingKeys.has(settings[1]!) ? { deliveryStrategy: { strategy: 'batching', config: { size: 25, timeout: 100 } } } : {}),
        } },
        plan: { track: { __default: { enabled: true } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
        metrics: { sampleRate: 0 },
      }), 'application/json');
    }
    const prefix = Object.keys(ASSETS).find((p) => path.startsWith(p));
    if (!prefix) return respond(404, 'not found');
    const rel = normalize(path.slice(prefix.length));
    if (rel.startsWith('..')) return respond(404, 'not found');
    readFile(join(NODE_MODULES, ASSETS[prefix]!, rel)).then(
      (body) => respond(200, body, TYPES[extname(rel)] ?? 'application/octet-stream'),
      () => respond(404, 'not found'),
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const address = site.address();
  siteUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await launchBrowser();
  await browser.context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === 'localhost' || host === '127.0.0.1' || host === '[::1]') return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await t?.close();
});

async function openPage(path: string, html: string): Promise<Page> {
  pages[path] = html;
  const page = await browser.context.newPage();
  page.on('pageerror', (err) => failedResponses.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (process.env.CLICKPATH_BROWSER_CONSOLE) console.log(`[${path}] ${msg.type()}: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() < 400) return;
    failedResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    if (process.env.CLICKPATH_BROWSER_CONSOLE) console.log(`[${path}] ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  await page.goto(siteUrl + path);
  return page;
}

/** Runs the page's own `runSdk` (written in the page: functions compiled here cannot be sent). */
async function run(page: Page): Promise<{ ids: string[]; anonymousId: string }> {
  return (await page.evaluate(`window.runSdk(${JSON.stringify(LABEL)})`)) as { ids: string[]; anonymousId: string };
}

/** Waits until the store holds `n` rows for the project (SDKs that queue cannot be awaited). */
async function storedRows(projectId: string, n: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  for (;;) {
    await t.loaded();
    const [row] = await t.app.store.query<{ n: string }>(
      `SELECT toString(count()) AS n FROM ${t.app.store.database}.events WHERE project_id = {project:String}`, { project: projectId });
    count = Number(row?.n ?? 0);
    if (count >= n || Date.now() > deadline) return count;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Checks {
  project: CreatedProject;
  /** The message ids the SDK reported; `unreported` more rows come from calls that return none. */
  messageIds: string[];
  unreported?: number;
  byType: Record<string, number>;
  user: string;
  links: Array<[string, string]>;
}

/** 200 rows, each message id once, the expected types, every row resolving to the one person. */
async function checkStored(c: Checks): Promise<void> {
  const db = t.app.store.database;
  const projectId = c.project.projectId;
  assert.equal(await storedRows(projectId, 200), 200, 'rows stored');
  assert.equal(new Set(c.messageIds).size, 200 - (c.unreported ?? 0), 'distinct message ids the SDK reported');
  const stored = new Set((await t.app.store.query<{ id: string }>(
    `SELECT toString(event_id) AS id FROM ${db}.events WHERE project_id = {project:String}`, { project: projectId })).map((r) => r.id));
  assert.equal(stored.size, 200, 'distinct stored event ids');
  const missing = c.messageIds.filter((m) => !stored.has(eventIdFromMessageId(projectId, m)));
  assert.deepEqual(missing, [], 'every SDK message id is a stored event id');
  const types = await t.app.store.query<{ type: string; n: string }>(
    `SELECT type, toString(count()) AS n FROM ${db}.events WHERE project_id = {project:String} GROUP BY type ORDER BY type`, { project: projectId });
  assert.deepEqual(Object.fromEntries(types.map((r) => [r.type, Number(r.n)])), c.byType);
  const [ticks] = await t.app.store.query<{ n: string; distinct: string; labels: string; revenue: string }>(
    `SELECT toString(count()) AS n, toString(uniqExact(properties['i'])) AS distinct,
            toString(groupUniqArray(properties['label'])) AS labels, toString(sum(toFloat64OrZero(properties['revenue']))) AS revenue
     FROM ${db}.events WHERE project_id = {project:String} AND event = 'Tick'`, { project: projectId });
  assert.deepEqual(ticks, { n: '196', distinct: '196', labels: `['ünï "quoted" 🎉']`, revenue: String(196 * 2.5) });
  const links = await t.app.store.query<{ distinct_id: string; person_id: string }>(
    `SELECT distinct_id, argMax(person_id, updated_at) AS person_id FROM ${db}.person_aliases
     WHERE project_id = {project:String} GROUP BY distinct_id ORDER BY distinct_id`, { project: projectId });
  assert.deepEqual(links.map((l) => [l.distinct_id, l.person_id]), [...c.links].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const src = resolvedEvents(db, projectId);
  const persons = await t.app.store.query<{ person_id: string; n: string }>(
    `SELECT person_id, toString(count()) AS n FROM ${src.sql} GROUP BY person_id`, src.params);
  assert.deepEqual(persons, [{ person_id: c.user, n: '200' }], 'anonymous events before the login belong to the user');
  const status = await projectStatus(
    { store: t.app.store, loaderStats: () => t.app.loader.stats(), logStats: () => ({ end: t.app.log.endPosition(), start: t.app.log.startPosition() }) } as never,
    projectId,
  );
  assert.equal(status.personsStored, 1);
}

async function segmentRun(batching: boolean): Promise<void> {
  const project = await t.app.registry.create(batching ? 'Segment browser batching' : 'Segment browser', { timezone: 'UTC' });
  if (batching) batchingKeys.add(project.writeKey);
  const path = batching ? '/segment-batching.html' : '/segment.html';
  const posted = new Set<string>();
  const onRequest = (req: Request) => {
    if (req.url().startsWith(t.app.url) && req.method() === 'POST') posted.add(new URL(req.url()).pathname);
  };
  browser.context.on('request', onRequest);
  const page = await openPage(path, `<!doctype html><title>Segment</title><script>
    // What the Segment snippet sets up, with its CDN self-hosted on this page's origin.
    window.analytics = [];
    window.analytics._writeKey = ${JSON.stringify(project.writeKey)};
    window.analytics._cdn = location.origin;
  </script><script src="/analytics-next/bundles/standalone.js"></script><script>
    // Runs in the page: each call resolves once the SDK has delivered the event.
    window.runSdk = async (label) => {
      const a = window.analytics;
      const ids = [];
      const anonymousId = a.user().anonymousId();
      ids.push((await a.page('Shop', 'Home', { path: '/home' })).event.messageId);
      for (let i = 0; i < 100; i++) ids.push((await a.track('Tick', { i, label, revenue: 2.5 })).event.messageId);
      ids.push((await a.identify('seg-user', { plan: 'pro' })).event.messageId);
      for (let i = 100; i < 196; i++) ids.push((await a.track('Tick', { i, label, revenue: 2.5 })).event.messageId);
      ids.push((await a.group('acme', { employees: 12 })).event.messageId);
      ids.push((await a.alias('seg-user', 'seg-legacy')).event.messageId);
      return { ids, anonymousId };
    };
  </script>`);
  await page.waitForFunction('window.analytics.initialized === true');
  const sent = await run(page);
  await page.close();
  await checkStored({
    project, messageIds: sent.ids, user: 'seg-user',
    byType: { alias: 1, group: 1, identify: 1, page: 1, track: 196 },
    links: [[sent.anonymousId, 'seg-user'], ['seg-legacy', 'seg-user']],
  });
  browser.context.off('request', onRequest);
  assert.deepEqual([...posted].sort(), batching ? ['/v1/b'] : ['/v1/a', '/v1/g', '/v1/i', '/v1/p', '/v1/t']);
  assert.deepEqual(outside, [], 'no request left localhost');
  assert.deepEqual(failedResponses, []);
}

test('@segment/analytics-next standalone: 200 of 200 events to /v1/t, /v1/p, /v1/i, /v1/g, /v1/a', { skip }, async () => {
  await segmentRun(false);
});

test('@segment/analytics-next standalone, batching: 200 of 200 events to /v1/b', { skip }, async () => {
  await segmentRun(true);
});

test('@rudderstack/analytics-js: 200 of 200 events', { skip }, async () => {
  const project = await t.app.registry.create('RudderStack browser', { timezone: 'UTC' });
  const page = await openPage('/rudderstack.html', `<!doctype html><title>RudderStack</title>
    <script src="/sdk/rudderstack/index.js"></script>
    <script>
      window.ra = new window.rudderanalytics.RudderAnalytics();
      window.ra.load(${JSON.stringify(project.writeKey)}, ${JSON.stringify(t.app.url)}, {
        plugins: ['XhrQueue'],
        getSourceConfig: () => ({ source: { id: 'clickpath-test', name: 'test', workspaceId: 'w', writeKey: ${JSON.stringify(project.writeKey)}, enabled: true, config: {}, destinations: [] } }),
        onLoaded: () => { window.raLoaded = true; },
      });
      window.runSdk = async (label) => {
        const ra = window.ra;
        const ids = [];
        // The callback gets the message the SDK queued; its queue sends it right after.
        const call = (method, ...args) => new Promise((resolve) => {
          ra[method](...args, (m) => { ids.push(m.messageId); resolve(); });
        });
        const anonymousId = ra.getAnonymousId();
        await call('page', 'Shop', 'Home', { path: '/home' });
        for (let i = 0; i < 100; i++) await call('track', 'Tick', { i, label, revenue: 2.5 });
        await call('identify', 'rs-user', { plan: 'pro' });
        for (let i = 100; i < 196; i++) await call('track', 'Tick', { i, label, revenue: 2.5 });
        await call('group', 'acme', { employees: 12 });
        await call('alias', 'rs-user', 'rs-legacy');
        return { ids, anonymousId };
      };
    </script>`);
  await page.waitForFunction('window.raLoaded === true');
  const sent = await run(page);
  await checkStored({
    project, messageIds: sent.ids, user: 'rs-user',
    byType: { alias: 1, group: 1, identify: 1, page: 1, track: 196 },
    links: [[sent.anonymousId, 'rs-user'], ['rs-legacy', 'rs-user']],
  });
  await page.close();
  assert.deepEqual(outside, [], 'no request left localhost');
  assert.deepEqual(failedResponses, []);
});

test('posthog-js (dist/array.js): remote config and flags from this server, 200 of 200 events', { skip }, async () => {
  const project = await t.app.registry.create('PostHog browser', { timezone: 'UTC' });
  const asked: string[] = [];
  const onRequest = (req: Request) => {
    if (req.url().startsWith(t.app.url)) asked.push(`${req.method()} ${new URL(req.url()).pathname}`);
  };
  browser.context.on('request', onRequest);
  const page = await openPage('/posthog.html', `<!doctype html><title>PostHog</title>
    <script src="/sdk/posthog/array.js"></script>
    <script>
      window.posthog.init(${JSON.stringify(project.writeKey)}, {
        api_host: ${JSON.stringify(t.app.url)},
        opt_out_useragent_filter: true, // headless Chromium says so in its user agent
        capture_pageview: false, capture_pageleave: false, autocapture: false,
        request_queue_config: { flush_interval_ms: 100 },
        rate_limiting: { events_per_second: 10000, events_burst_limit: 10000 },
        loaded: () => { window.phLoaded = true; },
      });
      window.runSdk = async (label) => {
        const ph = window.posthog;
        const ids = [];
        const keep = (r) => { if (r) ids.push(r.uuid); };
        const anonymousId = ph.get_distinct_id();
        keep(ph.capture('$pageview', { $current_url: location.origin + '/home' }));
        for (let i = 0; i < 100; i++) keep(ph.capture('Tick', { i, label, revenue: 2.5 }));
        ph.identify('ph-user', { plan: 'pro' });
        for (let i = 100; i < 196; i++) keep(ph.capture('Tick', { i, label, revenue: 2.5 }));
        ph.group('company', 'acme', { employees: 12 });
        ph.alias('ph-legacy');
        return { ids, anonymousId };
      };
    </script>`);
  await page.waitForFunction('window.phLoaded === true');
  const sent = await run(page);
  assert.equal(sent.ids.length, 197);
  await checkStored({
    project, messageIds: sent.ids, unreported: 3, user: 'ph-user',
    byType: { alias: 1, group: 1, identify: 1, page: 1, track: 196 },
    links: [[sent.anonymousId, 'ph-user'], ['ph-legacy', 'ph-user']],
  });
  const db = t.app.store.database;
  const [pageRow] = await t.app.store.query<{ url: string; lib: string; ua: string }>(
    `SELECT page_url AS url, JSONExtractString(context, 'library', 'name') AS lib, JSONExtractString(context, 'userAgent') AS ua
     FROM ${db}.events WHERE project_id = {project:String} AND type = 'page'`, { project: project.projectId });
  assert.deepEqual({ ...pageRow, ua: /Chrome\//.test(pageRow?.ua ?? '') }, { url: `${siteUrl}/home`, lib: 'web', ua: true });
  await page.close();
  browser.context.off('request', onRequest);
  assert.ok(asked.some((r) => r === `GET /array/${project.writeKey}/config.js` || r === `GET /array/${project.writeKey}/config`), asked.join(', '));
  assert.ok(asked.some((r) => r.startsWith('POST /flags')), asked.join(', '));
  assert.ok(asked.some((r) => r.startsWith('POST /e')), asked.join(', '));
  assert.deepEqual(outside, [], 'no request left localhost');
  // posthog-js fetches its surveys bundle from the assets host even with surveys off; Clickpath
  // does not serve PostHog's bundles (docs/events.md), and the SDK carries on without it.
  assert.deepEqual(failedResponses.filter((f) => !/^404 GET \S+\/static\/(\d[^/]*\/)?surveys\.js/.test(f)), []);
});
