/**
 * ecommerce: a shop funnel home → search → payment → confirmation.
 *
 * Persons (user ids `user-N`) have a signup time, device (mobile 50% / desktop 40% / tablet
 * 10%), sex (f/m), acquisition channel (search 35% / paid 25% / direct 25% / social 15%) and a
 * country, stored in person_properties; device_type / os / browser / channel are on every event.
 * Each person has up to 4 sessions, the first at signup, the next 1 to 31 days apart (as long
 * as they fit the window). A session always opens home (sometimes twice), then goes on step
 * by step:
 *  - home → search: paid 80%, search 62%, direct 55%, social 45% (search repeats 1-3 times);
 *  - search → payment: 50% (payment sometimes repeats);
 *  - payment → confirmation: desktop 70%, tablet 55%, mobile 40%, halved in the "dip month",
 *    the calendar month (UTC) holding the middle of the window (`ecommerceDipMonth`).
 * Gaps between events: 2 s plus a heavy tail up to 2 h.
 */
import type { Scenario, ScenarioWindow } from '../scenario.js';
import { pick, sqlRandom, stringArray } from '../sql-random.js';

const r = sqlRandom(1);
const DAY = 86_400_000;

/** First day (UTC) of the month whose payment conversion is halved. */
export function ecommerceDipMonth(window: Pick<ScenarioWindow, 'startMs' | 'endMs'>): string {
  const middle = new Date((window.startMs + window.endMs) / 2);
  return `${middle.toISOString().slice(0, 7)}-01`;
}

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'PL', 'ES'];
const LOCALES = ['de-DE', 'fr-FR', 'en-US', 'en-GB', 'pl-PL', 'es-ES'];
const QUERIES = ['shoes', 'jacket', 'socks', 'backpack', 'watch', 'headphones', 'lamp', 'mug'];

export const ecommerce: Scenario = {
  name: 'ecommerce',
  description: 'shop funnel home → search → payment → confirmation with person segments and a conversion dip month',
  code: 1,
  reserveMs: DAY,
  eventsPerPersonGuess: 4.5,
  eventNames: ['home', 'search', 'payment', 'confirmation'],
  personColumns: [
    ['u_device', r.u(1, 'p')],
    ['device', `multiIf(u_device < 0.5, 'mobile', u_device < 0.9, 'desktop', 'tablet')`],
    ['sex', `if(${r.u(2, 'p')} < 0.5, 'f', 'm')`],
    ['u_channel', r.u(3, 'p')],
    ['channel', `multiIf(u_channel < 0.35, 'search', u_channel < 0.6, 'paid', u_channel < 0.85, 'direct', 'social')`],
    ['u_os', r.u(4, 'p')],
    ['os', `if(device = 'desktop', if(u_os < 0.7, 'Windows', 'Mac OS X'), if(u_os < 0.55, 'Android', 'iOS'))`],
    ['u_browser', r.u(5, 'p')],
    ['browser', `multiIf(os IN ('iOS', 'Mac OS X'), if(u_browser < 0.8, 'Safari', 'Chrome'), os = 'Android', 'Chrome',
      multiIf(u_browser < 0.65, 'Chrome', u_browser < 0.85, 'Edge', 'Firefox'))`],
    ['country_n', r.int(6, COUNTRIES.length, 'p')],
    ['signup_ms', `{start_ms:Int64} + toInt64(${r.u(7, 'p')} * ({end_ms:Int64} - {reserve_ms:Int64} - {start_ms:Int64}))`],
    ['u_sessions', r.u(8, 'p')],
    // Later sessions follow 1 to 31 days apart (a day is the longest a session can take), as
    // long as they fit the window.
    ['sess_start', `arrayFilter(t -> t <= {end_ms:Int64} - {reserve_ms:Int64}, arrayCumSum(arrayMap(
      s -> if(s = 0, signup_ms, toInt64({reserve_ms:Int64} + pow(${r.u(9, 'p', 's')}, 2) * ${30 * DAY})),
      range(1 + (u_sessions < 0.45) + (u_sessions < 0.2) + (u_sessions < 0.08)))))`],
    ['p_search', `multiIf(channel = 'paid', 0.8, channel = 'search', 0.62, channel = 'direct', 0.55, 0.45)`],
    ['p_confirm', `multiIf(device = 'mobile', 0.4, device = 'tablet', 0.55, 0.7)`],
  ],
  // depth: 1 home only, 2 + search, 3 + payment, 4 + confirmation.
  sessionItems: `arrayMap(kind -> tuple(toUInt8(kind), toUInt32(0)), arrayConcat(
      arrayMap(x -> 0, range(1 + (${r.u(10, 'p', 's')} < 0.2))),
      arrayMap(x -> 1, range(if(${r.u(11, 'p', 's')} < p_search, 1 + (${r.u(12, 'p', 's')} < 0.35) + (${r.u(12, 'p', 's')} < 0.12), 0))),
      arrayMap(x -> 2, range(if(${r.u(11, 'p', 's')} < p_search AND ${r.u(13, 'p', 's')} < 0.5, 1 + (${r.u(14, 'p', 's')} < 0.15), 0))),
      arrayMap(x -> 3, range(if(${r.u(11, 'p', 's')} < p_search AND ${r.u(13, 'p', 's')} < 0.5
        AND ${r.u(15, 'p', 's')} < p_confirm * if(toStartOfMonth(fromUnixTimestamp64Milli(st, 'UTC')) = {dip_month:Date}, 0.5, 1.0), 1, 0)))))`,
  gapMs: `2000 + pow(${r.u(16, 'p', 's', 'j')}, 4) * 7200000`,
  personId: `concat('user-', toString(p))`,
  anonymous: false,
  eventColumns: {
    page_path: `['/', '/search', '/payment', '/confirmation'][kind + 1]`,
    page_url: `concat('https://shop.example', ['/', '/search', '/payment', '/confirmation'][kind + 1])`,
    device_type: 'device',
    os: 'os',
    browser: 'browser',
    channel: 'channel',
    utm_source: `multiIf(channel = 'paid', 'google', channel = 'social', 'facebook', '')`,
    utm_medium: `multiIf(channel = 'paid', 'cpc', channel = 'social', 'social', '')`,
    country: `${stringArray(COUNTRIES)}[country_n + 1]`,
    locale: `${stringArray(LOCALES)}[country_n + 1]`,
    properties: `mapFromArrays(
      multiIf(kind = 1, ['query'], kind = 2, ['amount', 'method'], kind = 3, ['amount', 'order_id'], []::Array(String)),
      multiIf(kind = 1, [${pick(QUERIES, r.u(20, 'p', 'sess', 'j'))}],
        kind = 2, [toString(round(10 + ${r.u(21, 'p', 'sess')} * 190, 2)), ${pick(['card', 'paypal', 'invoice'], r.u(22, 'p', 'sess'))}],
        kind = 3, [toString(round(10 + ${r.u(21, 'p', 'sess')} * 190, 2)), concat('order-', toString(p), '-', toString(sess))],
        []::Array(String)))`,
  },
  personProperties: [
    ['device', 'device'],
    ['sex', 'sex'],
    ['channel', 'channel'],
    ['country', `${stringArray(COUNTRIES)}[country_n + 1]`],
    ['signup_date', `toDate(fromUnixTimestamp64Milli(signup_ms, 'UTC'))`],
  ],
  firstSeenMs: 'signup_ms',
  params: (window) => ({ dip_month: ecommerceDipMonth(window) }),
};
