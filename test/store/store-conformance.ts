/**
 * What every Store adapter must agree on, as one suite: an adapter's test file calls
 * `storeConformance(name, newStore)` with a factory for a fresh, migrated store (see
 * chdb-store.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { QueryError } from '../../src/store/store.js';
import { createTable } from '../../src/store/create-table.js';
import type { NewTestStore } from '../helpers/temp-store.js';

export function storeConformance(name: string, newStore: NewTestStore): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, dispose } = await newStore('conformance'));
    });
    after(async () => dispose());

    test('query returns typed rows; exec runs statements', async () => {
      await store.exec(`CREATE TABLE ${store.database}.conf_t (k String, n UInt32) ENGINE = MergeTree ORDER BY k`);
      await store.exec(`INSERT INTO ${store.database}.conf_t VALUES ({a:String}, {b:UInt32})`, { a: 'x', b: 7 });
      assert.deepEqual(await store.query(`SELECT k, n FROM ${store.database}.conf_t`), [{ k: 'x', n: 7 }]);
      assert.deepEqual(await store.query('SELECT 1 AS one WHERE 0'), []);
    });

    test('parameters of every type travel verbatim', async () => {
      const hostile = `'); DROP TABLE x; --\\ "ü 🚀 \t\n\u0000`;
      const [row] = await store.query<Record<string, unknown>>(
        `SELECT {s:String} AS s, {a:Array(String)} AS a, {n:Int64} AS n, {f:Float64} AS f, {b:Bool} AS b,
                {m:Map(String, String)} AS m, {z:Nullable(String)} AS z, toString({d:DateTime64(3, 'UTC')}) AS d`,
        { s: hostile, a: [hostile, ''], n: -5, f: 1.5, b: true, m: { [hostile]: 'v' }, z: null, d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) },
      );
      assert.deepEqual(row, { s: hostile, a: [hostile, ''], n: -5, f: 1.5, b: true, m: { [hostile]: 'v' }, z: null, d: '2024-01-02 03:04:05.678' });
    });

    // Regression: the embedded binder refused Float64 values beyond 2^53 as "unsafe integers",
    // so a sum filter on a large property value failed instead of running.
    test('Float64 values beyond 2^53 and 64-bit integers bind exactly', async () => {
      for (const f of [2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e20, -1e300, Number.MAX_VALUE, 5e-324]) {
        const [row] = await store.query<{ f: number; same: number }>(
          'SELECT {f:Float64} AS f, {f:Float64} = toFloat64({t:String}) AS same', { f, t: String(f) });
        assert.deepEqual(row, { f, same: 1 }, String(f));
      }
      const [ints] = await store.query<Record<string, string>>(
        'SELECT toString({i:Int64}) AS i, toString({u:UInt64}) AS u, toString({n:Int64}) AS n',
        { i: -(2n ** 63n), u: 2n ** 64n - 1n, n: 2 ** 60 },
      );
      assert.deepEqual(ints, { i: '-9223372036854775808', u: '18446744073709551615', n: '1152921504606846976' });
    });

    test('Array and Map parameters: numbers beyond 2^53, nesting, empty ones', async () => {
      const [row] = await store.query<Record<string, unknown>>(
        `SELECT {af:Array(Float64)} AS af, arrayMap(x -> toString(x), {ai:Array(Int64)}) AS ai,
                {mf:Map(String, Float64)} AS mf, {ma:Map(String, Array(String))} AS ma,
                {e:Array(String)} AS e, {em:Map(String, String)} AS em, {an:Array(Nullable(String))} AS an`,
        { af: [1e20, 1.5, -(2 ** 53)], ai: [1n, -(2n ** 63n), 2 ** 55], mf: { x: 1e20, y: 0.25 }, ma: { k: ["a'b", ''] }, e: [], em: {}, an: [null, 'x'] },
      );
      assert.deepEqual(row, {
        af: [1e20, 1.5, -(2 ** 53)], ai: ['1', '-9223372036854775808', '36028797018963968'],
        mf: { x: 1e20, y: 0.25 }, ma: { k: ["a'b", ''] }, e: [], em: {}, an: [null, 'x'],
      });
    });

    test('DateTime64(3) round trips through JSON inserts, parameters and results', async () => {
      await store.exec(`CREATE TABLE ${store.database}.conf_time (k String, t DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY k`);
      const times = [Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1970, 0, 1), Date.UTC(2038, 0, 19, 3, 14, 8, 1)];
      await store.insertJsonRows('conf_time', times.map((t, i) => JSON.stringify({ k: `k${i}`, t: new Date(t).toISOString().replace('T', ' ').replace('Z', '') })).join('\n'));
      for (const [i, t] of times.entries()) {
        const rows = await store.query<{ k: string; ms: number }>(
          `SELECT k, toUnixTimestamp64Milli(t) AS ms FROM ${store.database}.conf_time WHERE t = {t:DateTime64(3, 'UTC')}`,
          { t: new Date(t) });
        assert.deepEqual(rows, [{ k: `k${i}`, ms: t }]);
      }
      const [back] = await store.query<{ t: string }>(`SELECT t FROM ${store.database}.conf_time WHERE k = 'k0'`);
      assert.equal(back?.t, '2024-02-29 23:59:59.999');
    });

    test('insertJsonRows with a dedup token stores a block once', async (t) => {
      if (!store.capabilities.insertDedupToken) return t.skip('the engine does not honour dedup tokens');
      await store.exec(`CREATE TABLE ${store.database}.conf_d (k String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100`);
      const rows = '{"k":"a"}\n{"k":"b"}';
      assert.equal(await store.insertJsonRows('conf_d', rows, { dedupToken: 't1' }), 2);
      await store.insertJsonRows('conf_d', rows, { dedupToken: 't1' });
      await store.insertJsonRows('conf_d', Buffer.from(rows), { dedupToken: 't2' });
      const [c] = await store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM ${store.database}.conf_d`);
      assert.equal(c?.n, 4);
    });

    test('queryRaw returns CSV and Parquet bytes', async () => {
      const csv = new TextDecoder().decode(await store.queryRaw('SELECT {s:String} AS s, 2 AS n', { s: 'a,b' }, 'CSVWithNames'));
      assert.equal(csv, '"s","n"\n"a,b",2\n');
      const parquet = await store.queryRaw('SELECT number FROM numbers(3)', {}, 'Parquet');
      assert.equal(new TextDecoder().decode(parquet.slice(0, 4)), 'PAR1');
    });

    test('failures are QueryErrors carrying the SQL, the parameters, the cause and a one-line message', async () => {
      const err = await store.query('SELECT nope FROM nowhere_at_all', { x: 1 }).catch((e: unknown) => e);
      assert.ok(err instanceof QueryError);
      assert.equal(err.name, 'QueryError');
      assert.equal(err.sql, 'SELECT nope FROM nowhere_at_all');
      assert.deepEqual(err.params, { x: 1 });
      assert.ok(err.cause !== undefined);
      assert.ok(err.message.length > 0 && !err.message.includes('\n'));
      const raw = await store.queryRaw('SELECT nope', {}, 'CSVWithNames').catch((e: unknown) => e);
      assert.ok(raw instanceof QueryError && raw.sql === 'SELECT nope');
      await assert.rejects(store.exec('SELEC 1'), QueryError);
      await assert.rejects(store.insertJsonRows('no_such_table', '{"a":1}'), QueryError);
      await assert.rejects(store.insertJsonRows('bad name; DROP', '{"a":1}'), /plain identifier/);
    });

    test('capabilities are declared, and a sibling connection sees writes at once', async () => {
      const caps = store.capabilities;
      for (const key of ['inProcess', 'insertDedupToken', 'localFileTableFunction', 'serialStatements'] as const) {
        assert.equal(typeof caps[key], 'boolean', key);
      }
      assert.ok(caps.cluster === null || typeof caps.cluster === 'string');
      const sibling = await store.openSibling();
      try {
        if (!caps.serialStatements) assert.equal(sibling, store);
        assert.equal(sibling.database, store.database);
        await store.exec(`CREATE TABLE ${store.database}.conf_s (k String) ENGINE = MergeTree ORDER BY k`);
        await store.insertJsonRows('conf_s', '{"k":"seen"}');
        assert.deepEqual(await sibling.query(`SELECT k FROM ${store.database}.conf_s`), [{ k: 'seen' }]);
      } finally {
        if (sibling !== store) await sibling.close();
      }
    });

    test("createTable's DDL for the store's placement runs on the store", async () => {
      const ddl = createTable(
        { name: 'conf_ct', columns: 'k String,\nv UInt64', engine: 'ReplacingMergeTree', engineArgs: ['v'], orderBy: 'k', settings: { non_replicated_deduplication_window: 10 } },
        { database: store.database, cluster: store.capabilities.cluster },
      );
      for (const sql of ddl) await store.exec(sql);
      await store.insertJsonRows('conf_ct', '{"k":"a","v":1}\n{"k":"a","v":2}');
      assert.deepEqual(await store.query(`SELECT k, v FROM ${store.database}.conf_ct FINAL`), [{ k: 'a', v: 2 }]);
    });
  });
}
