/**
 * articles: a news / shop catalogue with 2000 articles. Persons (`reader-N`) have 1-8
 * non-overlapping sessions spread over the window; a session views 1-6 articles
 * (detailsView), each followed by a transaction_item for the same article 12% of the time. Article popularity is skewed towards
 * low numbers, except in the last 6 hours before `end` ("now"): there, 60% of visits go to five
 * trending articles (`trendingArticles(seed)`), chosen from the unremarkable middle of the
 * catalogue so they stand out only recently. Gaps: 5 s to 2 min.
 */
import type { Scenario } from '../scenario.js';
import { slottedStarts, sqlRandom } from '../sql-random.js';

const r = sqlRandom(4);
export const ARTICLE_COUNT = 2000;
export const TREND_WINDOW_MS = 6 * 3_600_000;

/** The five trending article numbers for a seed: 100 + 20k + seed mod 20. */
export function trendingArticles(seed: number): number[] {
  return [0, 1, 2, 3, 4].map((k) => 100 + 20 * k + (seed % 20));
}

// A visit (tag) keeps one article for its view and its transaction; recency is judged by the
// session start so a visit straddling the boundary does not switch articles.
const article = `if(sess_ms >= {end_ms:Int64} - ${TREND_WINDOW_MS} AND ${r.u(5, 'p', 'sess', 'tag')} < 0.6,
      toUInt32(100 + 20 * ${r.int(6, 5, 'p', 'sess', 'tag')} + {seed:UInt64} % 20),
      toUInt32(${ARTICLE_COUNT} * pow(${r.u(7, 'p', 'sess', 'tag')}, 3)))`;

export const articles: Scenario = {
  name: 'articles',
  description: 'article views and purchases, a few articles trending in the last hours',
  code: 4,
  reserveMs: 3_600_000,
  eventsPerPersonGuess: 10,
  eventNames: ['detailsView', 'transaction_item'],
  personColumns: [
    ['device', `multiIf(${r.u(1, 'p')} < 0.6, 'mobile', ${r.u(1, 'p')} < 0.9, 'desktop', 'tablet')`],
    ['n_sess', `1 + toUInt32(pow(${r.u(3, 'p')}, 3) * 8)`],
    ['sess_start', slottedStarts('n_sess', r.u(2, 'p', 's'))],
  ],
  sessionItems: `arrayFlatten(arrayMap(v -> arrayConcat([tuple(toUInt8(0), toUInt32(v))],
        arrayMap(x -> tuple(toUInt8(1), toUInt32(v)), range(${r.u(4, 'p', 's', 'v')} < 0.12))),
      range(1 + toUInt32(pow(${r.u(8, 'p', 's')}, 2) * 6))))`,
  gapMs: `if(it.1 = 1, 10000 + ${r.u(9, 'p', 's', 'j')} * 170000, 5000 + ${r.u(9, 'p', 's', 'j')} * 115000)`,
  personId: `concat('reader-', toString(p))`,
  anonymous: false,
  eventColumns: {
    device_type: 'device',
    properties: `if(kind = 0,
      map('article_id', concat('article-', toString(${article}))),
      map('article_id', concat('article-', toString(${article})), 'price', toString(round(1 + ${r.u(10, 'p', 'sess', 'tag')} * 99, 2))))`,
  },
  personProperties: [['device', 'device']],
  firstSeenMs: 'arrayMin(sess_start)',
};
