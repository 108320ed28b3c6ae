import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { demoWindow, generateDemo } from '../../src/demo/generate-demo.js';
import { ecommerceDipMonth } from '../../src/demo/scenarios/ecommerce.js';
import { TREND_WINDOW_MS, trendingArticles } from '../../src/demo/scenarios/articles.js';
import type { Store } from '../../src/store/store.js';
import type { QueryParams } from '../../src/store/store.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const end = new Date('2024-04-30T23:00:00.000Z');
const HOUR = 3_600_000;

async function rows<T>(sql: string, params: QueryParams): Promise<T[]> {
  return store.query<T>(sql.replaceAll('{db}', store.database), params);
}

interface Ev { person: string; ms: number; event: string; props: Record<string, string> }
async function eventsOf(project: string): Promise<Ev[]> {
  return rows<Ev>(
    `SELECT person_id AS person, toFloat64(toUnixTimestamp64Milli(timestamp)) AS ms, event, properties AS props
     FROM {db}.events WHERE project_id = {p:String} ORDER BY person, ms, event_id`,
    { p: project },
  );
}

/** Splits each person's time-ordered events wherever the gap exceeds `gapMs`. */
function sessions(events: readonly Ev[], gapMs: number): Ev[][] {
  const out: Ev[][] = [];
  let current: Ev[] = [];
  for (const e of events) {
    const last = current.at(-1);
    if (last && (last.person !== e.person || e.ms - last.ms > gapMs)) {
      out.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length > 0) out.push(current);
  return out;
}

test('ecommerce: funnel narrows, segments convert differently, one month dips, persons carry properties', async () => {
  const p = { p: 'shop' };
  await generateDemo(store, { scenario: 'ecommerce', projectId: 'shop', events: 40_000, seed: 3, end, days: 120 });
  const funnel = await rows<{ event: string; persons: number; events: number }>(
    `SELECT event, toUInt32(uniqExact(person_id)) AS persons, toUInt32(count()) AS events FROM {db}.events
     WHERE project_id = {p:String} GROUP BY event`, p);
  const by = Object.fromEntries(funnel.map((f) => [f.event, f]));
  const steps = ['home', 'search', 'payment', 'confirmation'].map((s) => by[s]);
  for (let k = 1; k < steps.length; k++) {
    assert.ok((steps[k]?.persons ?? 0) < (steps[k - 1]?.persons ?? 0), JSON.stringify(funnel));
    assert.ok((steps[k]?.events ?? 0) < (steps[k - 1]?.events ?? 0), JSON.stringify(funnel));
  }

  // Conversion by segment, on the event columns (the same values as the person properties).
  const conversion = async (column: 'device_type' | 'channel', from: string, to: string) => {
    const r = await rows<{ k: string; rate: number }>(
      `SELECT ${column} AS k, uniqExactIf(person_id, event = {to:String}) / uniqExactIf(person_id, event = {from:String}) AS rate
       FROM {db}.events WHERE project_id = {p:String} GROUP BY k`, { ...p, from, to });
    return Object.fromEntries(r.map((x) => [x.k, x.rate]));
  };
  const payment = await conversion('device_type', 'payment', 'confirmation');
  assert.ok((payment.mobile ?? 1) < (payment.tablet ?? 0) && (payment.tablet ?? 1) < (payment.desktop ?? 0), JSON.stringify(payment));
  const search = await conversion('channel', 'home', 'search');
  for (const other of ['search', 'direct', 'social']) assert.ok((search.paid ?? 0) > (search[other] ?? 1), JSON.stringify(search));

  // The dip month's payment → confirmation ratio is far below every other full month.
  const dip = ecommerceDipMonth(demoWindow({ end, days: 120, seed: 3 }));
  const months = await rows<{ month: string; ratio: number }>(
    `SELECT toString(toStartOfMonth(timestamp)) AS month, countIf(event = 'confirmation') / countIf(event = 'payment') AS ratio
     FROM {db}.events WHERE project_id = {p:String} AND event IN ('payment', 'confirmation') GROUP BY month ORDER BY month`, p);
  const dipRatio = months.find((m) => m.month === dip)?.ratio ?? NaN;
  const others = months.filter((m) => m.month !== dip).map((m) => m.ratio);
  assert.deepEqual(months.map((m) => m.month), ['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01']);
  for (const r of others) assert.ok(dipRatio < r * 0.75, `${dip}: ${JSON.stringify(months)}`);

  // Person properties agree with the event columns; every person has all five.
  const [mismatch] = await rows<{ bad: number; persons: number }>(
    `SELECT toUInt32(countIf(pp.value != e.device_type)) AS bad, toUInt32(uniqExact(e.person_id)) AS persons
     FROM {db}.events AS e INNER JOIN (SELECT person_id, value FROM {db}.person_properties
       WHERE project_id = {p:String} AND key = 'device') AS pp ON pp.person_id = e.person_id
     WHERE e.project_id = {p:String}`, p);
  assert.equal(mismatch?.bad, 0);
  assert.equal(mismatch?.persons, by.home?.persons);
  const keys = await rows<{ key: string; values: string[] }>(
    `SELECT key, arraySort(groupUniqArray(value)) AS values FROM {db}.person_properties WHERE project_id = {p:String}
     AND key IN ('sex', 'device', 'channel') GROUP BY key ORDER BY key`, p);
  assert.deepEqual(keys, [
    { key: 'channel', values: ['direct', 'paid', 'search', 'social'] },
    { key: 'device', values: ['desktop', 'mobile', 'tablet'] },
    { key: 'sex', values: ['f', 'm'] },
  ]);

  // Gaps range from seconds to hours, and steps repeat.
  const evs = await eventsOf('shop');
  const gaps = evs.slice(1).flatMap((e, k) => (evs[k]?.person === e.person ? [e.ms - (evs[k]?.ms ?? 0)] : []));
  assert.ok(gaps.some((g) => g < 10_000) && gaps.some((g) => g > HOUR && g < 3 * HOUR));
  const repeated = sessions(evs, 3 * HOUR).filter((s) => s.filter((e) => e.event === 'search').length >= 2);
  assert.ok(repeated.length > 100);
});

test('scooter: anonymous devices, several sessions hours to days apart, searches without rides', async () => {
  await generateDemo(store, { scenario: 'scooter', projectId: 'scoot', events: 30_000, seed: 5, end, days: 30 });
  const [ids] = await rows<{ named: number; anonymous: number; total: number }>(
    `SELECT toUInt32(countIf(user_id != '')) AS named, toUInt32(countIf(anonymous_id = person_id AND startsWith(person_id, 'dev-'))) AS anonymous,
       toUInt32(count()) AS total FROM {db}.events WHERE project_id = {p:String}`, { p: 'scoot' });
  assert.deepEqual(ids, { named: 0, anonymous: 30_000, total: 30_000 });

  // Within a session gaps stay under 45 minutes (the ride); sessions are at least 2 h apart.
  const all = sessions(await eventsOf('scoot'), HOUR);
  assert.ok(all.every((s) => s[0]?.event === 'app_opened'), 'every session opens the app first');
  const perPerson = new Map<string, number>();
  for (const s of all) perPerson.set(s[0]?.person ?? '', (perPerson.get(s[0]?.person ?? '') ?? 0) + 1);
  assert.ok(all.length / perPerson.size > 2.5, `sessions per device ${all.length / perPerson.size}`);
  const searchOnly = all.filter((s) => s.some((e) => e.event === 'map_viewed') && !s.some((e) => e.event === 'ride_started'));
  const rides = all.filter((s) => s.some((e) => e.event === 'ride_started'));
  assert.ok(searchOnly.length > all.length * 0.2 && rides.length > all.length * 0.2, `${searchOnly.length} / ${rides.length} / ${all.length}`);
  // Steps keep their order inside a session.
  const order = ['app_opened', 'map_viewed', 'scooter_selected', 'ride_started', 'ride_done', 'rating_screen'];
  for (const s of all) {
    const idx = s.map((e) => order.indexOf(e.event));
    assert.deepEqual(idx, [...idx].sort((x, y) => x - y));
  }
  const done = all.flatMap((s) => s.filter((e) => e.event === 'ride_done'));
  assert.ok(done.every((e) => Number(e.props.duration_s) >= 180 && Number(e.props.duration_s) <= 2400));
});

test('flyers: a flyer always has the same merchant, merchants have many flyers, sessions span seconds to minutes', async () => {
  const p = { p: 'fly' };
  await generateDemo(store, { scenario: 'flyers', projectId: 'fly', events: 30_000, seed: 9, end, days: 14 });
  const [mapping] = await rows<{ flyers: number; merchants: number; ambiguous: number }>(
    `SELECT toUInt32(count()) AS flyers, toUInt32(uniqExact(merchant)) AS merchants, toUInt32(countIf(m > 1)) AS ambiguous FROM (
       SELECT properties['flyer_id'] AS flyer, any(properties['merchant_id']) AS merchant, uniqExact(properties['merchant_id']) AS m
       FROM {db}.events WHERE project_id = {p:String} AND mapContains(properties, 'flyer_id') GROUP BY flyer)`, p);
  assert.equal(mapping?.ambiguous, 0);
  assert.ok((mapping?.flyers ?? 0) / (mapping?.merchants ?? 1) > 5, JSON.stringify(mapping));
  const [props] = await rows<{ missing: number; extra: number }>(
    `SELECT toUInt32(countIf(event IN ('flyer_open', 'item_open', 'favorite') AND NOT (mapContains(properties, 'flyer_id') AND mapContains(properties, 'merchant_id')))) AS missing,
       toUInt32(countIf(event IN ('list_flyers', 'shopping_list_open') AND mapContains(properties, 'flyer_id'))) AS extra
     FROM {db}.events WHERE project_id = {p:String}`, p);
  assert.deepEqual(props, { missing: 0, extra: 0 });

  // Gaps inside a session are 2 s to 5 min; only the rare two sessions of one shopper minutes
  // apart look like a longer pause.
  const all = sessions(await eventsOf('fly'), 10 * 60_000);
  const gaps = all.flatMap((s) => s.slice(1).map((e, k) => e.ms - (s[k]?.ms ?? 0)));
  assert.ok(gaps.filter((g) => g > 300_000).length < gaps.length / 1000);
  assert.ok(gaps.filter((g) => g < 10_000).length > gaps.length / 20 && gaps.filter((g) => g > 120_000).length > gaps.length / 5);
  const days = new Set(all.map((s) => new Date(s[0]?.ms ?? 0).toISOString().slice(0, 10)));
  assert.ok(days.size >= 13, `sessions on ${days.size} days`);
  // A visit's items share the flyer it opened.
  for (const s of all) {
    let flyer = '';
    for (const e of s) {
      if (e.event === 'flyer_open') flyer = e.props.flyer_id ?? '';
      else if (e.event === 'item_open' || e.event === 'favorite') assert.equal(e.props.flyer_id, flyer);
    }
  }
});

test('articles: trending articles dominate the last hours before now but not the whole window', async () => {
  const seed = 11;
  await generateDemo(store, { scenario: 'articles', projectId: 'art', events: 20_000, seed, end, days: 7 });
  const top = async (sinceMs: number) =>
    (await rows<{ article: string }>(
      `SELECT properties['article_id'] AS article FROM {db}.events
       WHERE project_id = {p:String} AND event = 'detailsView' AND timestamp >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
       GROUP BY article ORDER BY count() DESC, article LIMIT 5`,
      { p: 'art', since: sinceMs },
    )).map((r) => r.article).sort();
  const trending = trendingArticles(seed).map((n) => `article-${n}`).sort();
  assert.deepEqual(await top(end.getTime() - TREND_WINDOW_MS), trending);
  const overall = await top(0);
  assert.equal(overall.filter((a) => trending.includes(a)).length, 0, JSON.stringify(overall));

  // Every transaction follows a view of the same article by the same reader.
  const evs = await eventsOf('art');
  const seen = new Set<string>();
  for (const e of evs) {
    const key = `${e.person}\u0000${e.props.article_id}`;
    if (e.event === 'detailsView') seen.add(key);
    else assert.ok(seen.has(key), `${e.person} bought ${e.props.article_id} unseen`);
  }
});
