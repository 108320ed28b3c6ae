import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { SCENARIO_NAMES, generateDemo, type DemoOptions } from '../../src/demo/generate-demo.js';
import type { Store } from '../../src/store/store.js';

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore()));
after(async () => dispose());

const end = new Date('2024-03-31T18:00:00.000Z');
const base = { events: 12_345, seed: 7, end, days: 30 } as const;

/** Everything about a project's data except the project id, as order-independent digests. */
async function fingerprint(projectId: string) {
  const db = store.database;
  const [events] = await store.query<Record<string, string>>(
    `SELECT toString(count()) AS rows, toString(uniqExact(event_id)) AS ids, toString(uniqExact(person_id)) AS persons,
       toString(sum(cityHash64(toString(event_id), type, event, person_id, anonymous_id, user_id, toString(timestamp),
         toString(received_at), device_type, os, browser, channel, utm_source, utm_medium, country, locale,
         page_url, page_path, toString(properties), toString(traits)))) AS digest,
       toString(min(timestamp)) AS first, toString(max(timestamp)) AS last
     FROM ${db}.events WHERE project_id = {p:String}`,
    { p: projectId },
  );
  const [persons] = await store.query<Record<string, string>>(
    `SELECT toString(count()) AS rows, toString(uniqExact(person_id)) AS persons,
       toString(sum(cityHash64(person_id, key, value, toString(updated_at)))) AS digest
     FROM ${db}.person_properties WHERE project_id = {p:String}`,
    { p: projectId },
  );
  return { events, persons };
}

for (const scenario of SCENARIO_NAMES) {
  test(`${scenario}: exact size, same seed → same data whatever the chunking, other seed → other data`, async () => {
    const opts = (projectId: string, extra: Partial<DemoOptions> = {}): DemoOptions => ({ ...base, scenario, projectId, ...extra });
    const progress: Array<[number, number]> = [];
    const a = await generateDemo(store, opts(`${scenario}-a`, { onProgress: (done, total) => progress.push([done, total]) }));
    const b = await generateDemo(store, opts(`${scenario}-b`, { chunkEvents: 1_000 }));
    const c = await generateDemo(store, opts(`${scenario}-c`, { seed: 8 }));
    assert.equal(a.events, base.events);
    assert.deepEqual(b, a);

    const fa = await fingerprint(`${scenario}-a`);
    assert.equal(fa.events?.rows, String(base.events));
    assert.equal(fa.events?.ids, String(base.events), 'event ids are unique');
    assert.equal(fa.events?.persons, String(a.persons));
    assert.equal(fa.persons?.persons, String(a.persons), 'every person has properties');
    assert.ok((fa.events?.first ?? '') >= '2024-03-01 18:00:00.000', fa.events?.first);
    assert.ok((fa.events?.last ?? '') <= '2024-03-31 18:00:00.000', fa.events?.last);
    assert.deepEqual(await fingerprint(`${scenario}-b`), fa);
    assert.notEqual((await fingerprint(`${scenario}-c`)).events?.digest, fa.events?.digest);
    assert.equal(c.events, base.events);

    assert.deepEqual(progress[0], [0, base.events]);
    assert.deepEqual(progress.at(-1), [base.events, base.events]);
    for (let k = 1; k < progress.length; k++) assert.ok((progress[k]?.[0] ?? 0) > (progress[k - 1]?.[0] ?? 0));
  });
}

test('a smaller generation is a prefix of persons of a larger one with the same seed', async () => {
  const small = await generateDemo(store, { ...base, scenario: 'scooter', projectId: 'prefix-small', events: 500 });
  await generateDemo(store, { ...base, scenario: 'scooter', projectId: 'prefix-large', events: 5_000 });
  const rows = await store.query<{ n: number }>(
    `SELECT toUInt32(count()) AS n FROM (
       SELECT event_id, event, person_id, timestamp FROM ${store.database}.events WHERE project_id = {small:String}
       EXCEPT
       SELECT event_id, event, person_id, timestamp FROM ${store.database}.events WHERE project_id = {large:String})`,
    { small: 'prefix-small', large: 'prefix-large' },
  );
  assert.deepEqual(rows, [{ n: 0 }]);
  assert.equal(small.events, 500);
});

test('zero events generate nothing; bad options are refused with the field named', async () => {
  assert.deepEqual(await generateDemo(store, { ...base, scenario: 'flyers', projectId: 'empty', events: 0 }), { events: 0, persons: 0 });
  const bad: Array<[Partial<DemoOptions>, RegExp]> = [
    [{ scenario: 'casino' as never }, /scenario/],
    [{ events: -1 }, /events/],
    [{ events: 1.5 }, /events/],
    [{ days: 1 }, /days/],
    [{ seed: -3 }, /seed/],
    [{ end: new Date('invalid') }, /end/],
    [{ projectId: '' }, /projectId/],
  ];
  for (const [extra, message] of bad) {
    await assert.rejects(generateDemo(store, { ...base, scenario: 'flyers', projectId: 'bad', ...extra }), message);
  }
});
