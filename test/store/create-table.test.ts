/**
 * The createTable hook: on one node it must create exactly the tables the migrations created when
 * they wrote their DDL by hand (databases made then keep working, and a fresh one is the same);
 * on a cluster it emits replicated tables behind Distributed ones (text only, no cluster here).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempStore } from '../helpers/temp-store.js';
import type { Store } from '../../src/store/store.js';
import { createTable, type TableSpec } from '../../src/store/create-table.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';

// SHOW CREATE TABLE of every table and view as the hand-written DDL of schema version 9 made them.
const BEFORE = JSON.parse(readFileSync(new URL('./fixtures/schema-v9.json', import.meta.url), 'utf8')) as Record<string, string>;

let store: Store;
let dispose: () => Promise<void>;
before(async () => ({ store, dispose } = await tempStore('clickpath')));
after(async () => dispose());

const specs = MIGRATIONS.flatMap((m) => m.statements).filter((s): s is TableSpec => typeof s !== 'string');

test('single node: every table is created exactly as the hand-written DDL created it', async () => {
  const tables = await store.query<{ name: string }>(
    'SELECT name FROM system.tables WHERE database = {d:String} ORDER BY name', { d: store.database });
  const now: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await store.query<{ statement: string }>(`SHOW CREATE TABLE ${store.database}.${name}`);
    now[name] = row!.statement;
  }
  // A table added by a later migration has no "before": add its SHOW CREATE TABLE to the fixture
  // from the migration as it was first written.
  assert.deepEqual(Object.keys(now).sort(), Object.keys(BEFORE).sort());
  for (const name of Object.keys(BEFORE)) assert.equal(now[name], BEFORE[name], name);
});

test('single node: one CREATE TABLE with engine, partition, sort key, TTL and settings', () => {
  const spec: TableSpec = {
    name: 't', columns: 'k String,\n  n UInt64', engine: 'ReplacingMergeTree', engineArgs: ['n'],
    partitionBy: 'toDate(k)', orderBy: '(k, n)', ttl: 'now() + INTERVAL 1 DAY', settings: { non_replicated_deduplication_window: 10 },
  };
  assert.deepEqual(createTable(spec, { database: 'db', cluster: null }), [
    'CREATE TABLE IF NOT EXISTS db.t (\n  k String,\n  n UInt64\n) ENGINE = ReplacingMergeTree(n)\n' +
      'PARTITION BY toDate(k)\nORDER BY (k, n)\nTTL now() + INTERVAL 1 DAY\nSETTINGS non_replicated_deduplication_window = 10',
  ]);
});

test('cluster: events become a ReplicatedMergeTree on {shard}/{replica} behind a Distributed table sharded by person', () => {
  const events = specs.find((s) => s.name === 'events')!;
  const [local, distributed] = createTable(events, { database: 'clickpath', cluster: 'main' });
  assert.ok(local!.startsWith('CREATE TABLE IF NOT EXISTS clickpath.events_local ON CLUSTER main (\n  project_id LowCardinality(String),\n'));
  assert.ok(local!.endsWith(
    ") ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/clickpath/events_local', '{replica}')\n" +
      'PARTITION BY toYYYYMM(timestamp)\nORDER BY (project_id, toDate(timestamp), event, person_id, timestamp)\n' +
      'SETTINGS replicated_deduplication_window = 10000'));
  assert.equal(distributed,
    'CREATE TABLE IF NOT EXISTS clickpath.events ON CLUSTER main AS clickpath.events_local\n' +
      'ENGINE = Distributed(main, clickpath, events_local, cityHash64(person_id))');
});

test('cluster: engine arguments follow the replication path; other tables shard by their sort key', () => {
  const projects = specs.find((s) => s.name === 'projects')!;
  const [local, distributed] = createTable(projects, { database: 'cp', cluster: 'c1' });
  assert.ok(local!.endsWith(
    ") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/cp/projects_local', '{replica}', updated_at)\nORDER BY project_id"));
  assert.equal(distributed, 'CREATE TABLE IF NOT EXISTS cp.projects ON CLUSTER c1 AS cp.projects_local\n' +
    'ENGINE = Distributed(c1, cp, projects_local, cityHash64(project_id))');
  const aliases = createTable(specs.find((s) => s.name === 'person_aliases')!, { database: 'cp', cluster: 'c1' });
  assert.match(aliases[1]!, /cityHash64\(distinct_id\)\)$/);
  const ids = createTable(specs.find((s) => s.name === 'event_ids')!, { database: 'cp', cluster: 'c1' });
  assert.match(ids[1]!, /cityHash64\(project_id, event_id\)\)$/);
});

test('cluster: every migrated table gets both statements, and no non-replicated setting', () => {
  assert.ok(specs.length >= 19);
  for (const spec of specs) {
    const ddl = createTable(spec, { database: 'cp', cluster: 'c1' });
    assert.equal(ddl.length, 2, spec.name);
    assert.ok(ddl[0]!.includes(`ENGINE = Replicated${spec.engine}('/clickhouse/tables/{shard}/cp/${spec.name}_local', '{replica}'`), spec.name);
    assert.ok(!ddl[0]!.includes('non_replicated'), spec.name);
    assert.ok(ddl[1]!.includes(`ENGINE = Distributed(c1, cp, ${spec.name}_local, cityHash64(`), spec.name);
  }
  const perPerson = specs.filter((s) => /\bperson_id String\b/.test(s.columns)).map((s) => [s.name, s.shardBy]);
  for (const [name, shardBy] of perPerson) assert.ok(shardBy === 'person_id' || shardBy === 'distinct_id', `${name} shards by person`);
});

test('names that are not plain identifiers are refused', () => {
  const spec: TableSpec = { name: 't', columns: 'k String', engine: 'MergeTree', orderBy: 'k' };
  assert.throws(() => createTable(spec, { database: 'db', cluster: "x'; DROP" }), /plain identifier/);
  assert.throws(() => createTable({ ...spec, name: 'a.b' }, { database: 'db', cluster: null }), /plain identifier/);
});

test('migrate on a store placed on a cluster creates every table through the clustered DDL', async () => {
  const ran: string[] = [];
  const recording: Store = {
    ...store,
    capabilities: { ...store.capabilities, cluster: 'c1' },
    exec: async (sql) => void ran.push(sql),
    query: async () => [],
  };
  await migrate(recording);
  const creates = ran.filter((sql) => sql.startsWith('CREATE TABLE'));
  assert.equal(creates.length, 2 * (specs.length + 1)); // + schema_migrations
  assert.ok(creates.every((sql) => sql.includes(' ON CLUSTER c1 ')));
  assert.ok(!creates.some((sql) => / ENGINE = (Replacing|Aggregating)?MergeTree\b/.test(sql)));
});
