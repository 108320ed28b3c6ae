/**
 * Person attribute tables: one row per user, every other column a person property that analyses
 * read through personProperty(); empty cells are no value; the newest value wins.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempStore } from '../helpers/temp-store.js';
import { personProperty } from '../../src/analyses/event-source.js';
import { importFile, tempFiles } from './helpers.js';

let t: Awaited<ReturnType<typeof tempStore>>;
let files: ReturnType<typeof tempFiles>;
before(async () => {
  t = await tempStore();
  files = tempFiles();
});
after(async () => {
  files.dispose();
  await t.dispose();
});

/** person → value of one property, as every analysis sees it. */
async function property(project: string, key: string): Promise<Record<string, string>> {
  const rows = await t.store.query<{ person_id: string; value: string }>(
    `SELECT person_id, value FROM ${personProperty(t.store.database, 'k')} ORDER BY person_id`, { project, k: key });
  return Object.fromEntries(rows.map((r) => [r.person_id, r.value]));
}

test('a users CSV becomes person properties; empty cells are no value', async () => {
  const path = files.write('users.csv', 'user_id,sex,device,channel,signup date\nu1,F,Mobile,Ads,2015-02-28\nu2,M,,Organic,2015-03-01\nu3,,Desktop,,\n');
  const s = await importFile(t.store, 'users', path, { kind: 'persons', person: 'user_id' });
  assert.deepEqual({ kind: s.kind, read: s.rowsRead, stored: s.stored, rejected: s.rejected }, { kind: 'persons', read: 3, stored: 3, rejected: 0 });
  assert.deepEqual(await property('users', 'sex'), { u1: 'F', u2: 'M' });
  assert.deepEqual(await property('users', 'device'), { u1: 'Mobile', u3: 'Desktop' });
  assert.deepEqual(await property('users', 'channel'), { u1: 'Ads', u2: 'Organic' });
  assert.deepEqual(await property('users', 'signup date'), { u1: '2015-02-28', u2: '2015-03-01' });
});

test('only the listed properties; NDJSON values stored as on ingest', async () => {
  const csv = files.write('some.csv', 'user_id,plan,secret\nu1,pro,x\n');
  await importFile(t.store, 'listed', csv, { kind: 'persons', person: 'user_id', properties: ['plan'] });
  assert.deepEqual(await property('listed', 'plan'), { u1: 'pro' });
  assert.deepEqual(await property('listed', 'secret'), {});
  const ndjson = files.write('people.ndjson', '{"id":42,"age":31,"vip":true,"tags":["a","b"],"address":{"city":"Köln"},"nick":null}\n');
  await importFile(t.store, 'json-people', ndjson, { kind: 'persons', person: 'id' });
  for (const [key, value] of [['age', '31'], ['vip', 'true'], ['tags', '["a","b"]'], ['address', '{"city":"Köln"}']] as const) {
    assert.deepEqual(await property('json-people', key), { '42': value }, key);
  }
  assert.deepEqual(await property('json-people', 'nick'), {});
});

test('a later import of changed values wins; an updated-at column orders values within the data', async () => {
  const v1 = files.write('v1.csv', 'user_id,plan\nu1,free\nu2,free\n');
  const v2 = files.write('v2.csv', 'user_id,plan\nu1,pro\n');
  await importFile(t.store, 'changes', v1, { kind: 'persons', person: 'user_id' }, { now: () => Date.UTC(2024, 0, 1) });
  await importFile(t.store, 'changes', v2, { kind: 'persons', person: 'user_id' }, { now: () => Date.UTC(2024, 1, 1) });
  assert.deepEqual(await property('changes', 'plan'), { u1: 'pro', u2: 'free' });
  // History in one file: the row with the latest updated-at wins, whatever its position.
  const history = files.write('history.csv', 'user_id,plan,changed_at\nu1,team,2024-05-01\nu1,pro,2024-03-01\nu1,free,2024-01-01\n');
  await importFile(t.store, 'history', history, { kind: 'persons', person: 'user_id', updatedAtColumn: 'changed_at' });
  assert.deepEqual(await property('history', 'plan'), { u1: 'team' });
  // Like every column the mapping uses for a role, the updated-at column is not a property itself.
  assert.deepEqual(await property('history', 'changed_at'), {});
});

test('person ids resolve through identity links like live traits do', async () => {
  await t.store.exec(
    `INSERT INTO ${t.store.database}.person_aliases (project_id, distinct_id, person_id, updated_at) VALUES ('aliased', 'device-1', 'user-1', now64(3))`);
  const path = files.write('devices.csv', 'device,model\ndevice-1,Pixel\n');
  await importFile(t.store, 'aliased', path, { kind: 'persons', person: 'device' });
  assert.deepEqual(await property('aliased', 'model'), { 'user-1': 'Pixel' });
});
