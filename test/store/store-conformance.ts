/**
 * What every Store adapter must do, as one suite: an adapter's test file calls
 * `storeConformance(name, open)` with a factory for a fresh, migrated store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { QueryError } from '../../src/store/store.js';

export function storeConformance(name: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, dispose } = await open());
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

    test('insertJsonRows with a dedup token stores a block once', async () => {
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

    test('failures are QueryErrors carrying the SQL and a one-line message', async () => {
      const err = await store.query('SELECT nope FROM nowhere_at_all', { x: 1 }).catch((e: unknown) => e);
      assert.ok(err instanceof QueryError);
      assert.equal(err.sql, 'SELECT nope FROM nowhere_at_all');
      assert.ok(!err.message.includes('\n'));
      await assert.rejects(store.insertJsonRows('no_such_table', '{"a":1}'), QueryError);
      await assert.rejects(store.insertJsonRows('bad name; DROP', '{"a":1}'), /plain identifier/);
    });
  });
}
