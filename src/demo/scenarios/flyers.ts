/**
 * flyers: a retail-flyer app. 40 merchants publish 600 flyers; each flyer belongs to one
 * merchant for good (`merchant = hash(seed, flyer) % 40`), and flyer popularity is skewed
 * (low flyer numbers are opened most). Persons (`shopper-N`) have 1-6 non-overlapping
 * sessions spread over the window. A session: list_flyers, then 1-3 flyer visits (flyer_open,
 * 0-4 item_open, sometimes a favorite, all with the visit's flyer_id and merchant_id),
 * sometimes shopping_list_open at the end. Gaps: 2 s to 5 min.
 */
import type { Scenario } from '../scenario.js';
import { slottedStarts, sqlRandom } from '../sql-random.js';

const r = sqlRandom(3);
export const FLYER_COUNT = 600;
export const MERCHANT_COUNT = 40;

/** The flyer of a visit (tag) and its merchant, shared by every event of the visit. */
const flyer = `toUInt32(${FLYER_COUNT} * pow(${r.u(8, 'p', 'sess', 'tag')}, 2))`;
const merchant = `(cityHash64({seed:UInt64}, 3, 9, ${flyer}) % ${MERCHANT_COUNT})`;

export const flyers: Scenario = {
  name: 'flyers',
  description: 'retail flyer browsing with flyer_id / merchant_id properties',
  code: 3,
  reserveMs: 2 * 3_600_000,
  eventsPerPersonGuess: 24,
  eventNames: ['list_flyers', 'flyer_open', 'item_open', 'favorite', 'shopping_list_open'],
  personColumns: [
    ['device', `if(${r.u(1, 'p')} < 0.8, 'mobile', 'desktop')`],
    ['n_sess', `1 + toUInt32(pow(${r.u(3, 'p')}, 2) * 6)`],
    ['sess_start', slottedStarts('n_sess', r.u(2, 'p', 's'))],
  ],
  sessionItems: `arrayConcat([tuple(toUInt8(0), toUInt32(0))],
      arrayFlatten(arrayMap(v -> arrayConcat([tuple(toUInt8(1), toUInt32(v))],
          arrayMap(x -> tuple(toUInt8(2), toUInt32(v)), range(toUInt32(pow(${r.u(4, 'p', 's', 'v')}, 1.5) * 5))),
          arrayMap(x -> tuple(toUInt8(3), toUInt32(v)), range(${r.u(5, 'p', 's', 'v')} < 0.2))),
        range(1 + (${r.u(6, 'p', 's')} < 0.5) + (${r.u(6, 'p', 's')} < 0.2)))),
      arrayMap(x -> tuple(toUInt8(4), toUInt32(0)), range(${r.u(7, 'p', 's')} < 0.3)))`,
  gapMs: `2000 + pow(${r.u(10, 'p', 's', 'j')}, 2) * 298000`,
  personId: `concat('shopper-', toString(p))`,
  anonymous: false,
  eventColumns: {
    device_type: 'device',
    properties: `mapFromArrays(
      multiIf(kind IN (1, 3), ['flyer_id', 'merchant_id'], kind = 2, ['flyer_id', 'merchant_id', 'item_id'], []::Array(String)),
      multiIf(kind IN (1, 3), [concat('flyer-', toString(${flyer})), concat('merchant-', toString(${merchant}))],
        kind = 2, [concat('flyer-', toString(${flyer})), concat('merchant-', toString(${merchant})),
          concat('item-', toString(${flyer}), '-', toString(${r.int(11, 40, 'p', 'sess', 'j')}))],
        []::Array(String)))`,
  },
  personProperties: [['device', 'device']],
  firstSeenMs: 'arrayMin(sess_start)',
};
