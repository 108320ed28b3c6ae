/**
 * scooter: a scooter-sharing app. Persons are anonymous device ids only (`dev-<16 hex>`, a
 * bijection of the person number, so ids never collide). Each device has up to 12 sessions,
 * consecutive and separated by 2 h to 4 days; sessions that would start after the window are
 * dropped. A session: app_opened → map_viewed (the search; 85%, 1-3 times) → scooter_selected
 * (60%) → ride_started (85%) → ride_done (97%) → rating_screen (70%). So many sessions search
 * and never book. Gaps: seconds between screens, 3-40 minutes for the ride itself.
 */
import type { Scenario } from '../scenario.js';
import { sqlRandom } from '../sql-random.js';

const r = sqlRandom(2);
const HOUR = 3_600_000;

export const scooter: Scenario = {
  name: 'scooter',
  description: 'scooter-sharing app sessions on anonymous devices, many searches without a ride',
  code: 2,
  reserveMs: 2 * HOUR,
  eventsPerPersonGuess: 15,
  eventNames: ['app_opened', 'map_viewed', 'scooter_selected', 'ride_started', 'ride_done', 'rating_screen'],
  personColumns: [
    ['os', `if(${r.u(1, 'p')} < 0.55, 'iOS', 'Android')`],
    ['first_ms', `{start_ms:Int64} + toInt64(${r.u(2, 'p')} * ({end_ms:Int64} - {reserve_ms:Int64} - {start_ms:Int64}))`],
    ['sess_start', `arrayFilter(t -> t <= {end_ms:Int64} - {reserve_ms:Int64}, arrayCumSum(arrayMap(
      s -> if(s = 0, first_ms, toInt64(${2 * HOUR} + pow(${r.u(4, 'p', 's')}, 2) * ${96 * HOUR})),
      range(1 + toUInt32(pow(${r.u(3, 'p')}, 2) * 12)))))`],
  ],
  // depth 1 app only … 6 through rating_screen; map_viewed repeats 1-3 times.
  sessionItems: `arrayMap(kind -> tuple(toUInt8(kind), toUInt32(0)), arrayConcat([0],
      arrayMap(x -> 1, range(if(${r.u(5, 'p', 's')} < 0.85, 1 + (${r.u(6, 'p', 's')} < 0.4) + (${r.u(6, 'p', 's')} < 0.15), 0))),
      arrayMap(x -> x + 2, range(if(${r.u(5, 'p', 's')} >= 0.85, 0,
        (${r.u(7, 'p', 's')} < 0.6) * (1 + (${r.u(8, 'p', 's')} < 0.85) * (1 + (${r.u(9, 'p', 's')} < 0.97) * (1 + (${r.u(10, 'p', 's')} < 0.7)))))))))`,
  gapMs: `multiIf(
      it.1 = 1, 3000 + ${r.u(11, 'p', 's', 'j')} * 57000,
      it.1 = 2, 10000 + ${r.u(11, 'p', 's', 'j')} * 110000,
      it.1 = 3, 30000 + ${r.u(11, 'p', 's', 'j')} * 150000,
      it.1 = 4, 180000 + ${r.u(11, 'p', 's', 'j')} * 2220000,
      5000 + ${r.u(11, 'p', 's', 'j')} * 25000)`,
  personId: `concat('dev-', lower(hex(reinterpretAsFixedString(bitXor(p, cityHash64({seed:UInt64}, 2, 0))))))`,
  anonymous: true,
  eventColumns: {
    device_type: `'mobile'`,
    os: 'os',
    properties: `mapFromArrays(
      multiIf(kind = 2, ['scooter_id', 'battery'], kind = 3, ['scooter_id'], kind = 4, ['scooter_id', 'duration_s', 'distance_m'], []::Array(String)),
      multiIf(kind = 2, [concat('sc-', toString(${r.int(12, 5000, 'p', 'sess')})), toString(20 + ${r.int(13, 80, 'p', 'sess')})],
        kind = 3, [concat('sc-', toString(${r.int(12, 5000, 'p', 'sess')}))],
        kind = 4, [concat('sc-', toString(${r.int(12, 5000, 'p', 'sess')})), toString(intDiv(gap_ms, 1000)),
          toString(toUInt32(gap_ms / 1000 * (3 + 2 * ${r.u(14, 'p', 'sess')})))],
        []::Array(String)))`,
  },
  personProperties: [
    ['os', 'os'],
    ['first_seen', `toDate(fromUnixTimestamp64Milli(first_ms, 'UTC'))`],
  ],
  firstSeenMs: 'first_ms',
};
