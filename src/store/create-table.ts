/**
 * The one place table DDL is written. Migrations describe a table (columns, engine, keys,
 * settings); where it is placed decides the statements: on a single node one CREATE TABLE, on a
 * cluster a replicated table on every node plus a Distributed table in front under the table's
 * own name, so every query keeps reading `{db}.<name>`.
 *
 * @example
 * createTable({ name: 't', columns: 'k String', engine: 'MergeTree', orderBy: 'k' },
 *   { database: 'clickpath', cluster: null })
 * // ['CREATE TABLE IF NOT EXISTS clickpath.t (\n  k String\n) ENGINE = MergeTree\nORDER BY k']
 */
import { assertIdentifier } from './store.js';

type Settings = Readonly<Record<string, number>>;

export type TableEngine = 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree';

export interface TableSpec {
  readonly name: string;
  /** Column (and INDEX / PROJECTION) definitions, as written inside the parentheses. */
  readonly columns: string;
  readonly engine: TableEngine;
  /** Engine arguments, e.g. the version column of a ReplacingMergeTree. */
  readonly engineArgs?: readonly string[];
  readonly orderBy: string;
  readonly partitionBy?: string;
  readonly ttl?: string;
  readonly settings?: Settings;
  /**
   * Columns whose hash picks a row's shard on a cluster. Per-person tables name the person id, so
   * one person's rows sit on one shard; by default the sort key, which keeps rows that replace or
   * aggregate into each other together.
   */
  readonly shardBy?: string;
}

export interface TablePlacement {
  readonly database: string;
  /** Cluster name, or null for a single node. */
  readonly cluster: string | null;
}

/** The statements that create `spec` where `placement` says, in the order to run them. */
export function createTable(spec: TableSpec, placement: TablePlacement): string[] {
  const db = assertIdentifier(placement.database, 'database');
  const name = assertIdentifier(spec.name, 'table');
  if (placement.cluster === null) {
    return [createStatement(`${db}.${name}`, spec, engineClause(spec.engine, spec.engineArgs ?? []), spec.settings ?? {})];
  }
  const cluster = assertIdentifier(placement.cluster, 'cluster');
  const local = `${name}_local`;
  // {shard} and {replica} are server macros: each node fills in its own, so one statement run
  // ON CLUSTER gives every replica of a shard the same path and its own replica name.
  const path = `'/clickhouse/tables/{shard}/${db}/${local}'`;
  const replicated = engineClause(`Replicated${spec.engine}`, [path, `'{replica}'`, ...(spec.engineArgs ?? [])]);
  return [
    createStatement(`${db}.${local} ON CLUSTER ${cluster}`, spec, replicated, replicatedSettings(spec.settings ?? {})),
    `CREATE TABLE IF NOT EXISTS ${db}.${name} ON CLUSTER ${cluster} AS ${db}.${local}\n` +
      `ENGINE = Distributed(${cluster}, ${db}, ${local}, cityHash64(${spec.shardBy ?? unwrap(spec.orderBy)}))`,
  ];
}

function createStatement(target: string, spec: TableSpec, engine: string, settings: Settings): string {
  const columns = spec.columns.trim().split('\n').map((line) => `  ${line.trim()}`).join('\n');
  const lines = [`CREATE TABLE IF NOT EXISTS ${target} (\n${columns}\n) ENGINE = ${engine}`];
  if (spec.partitionBy !== undefined) lines.push(`PARTITION BY ${spec.partitionBy}`);
  lines.push(`ORDER BY ${spec.orderBy}`);
  if (spec.ttl !== undefined) lines.push(`TTL ${spec.ttl}`);
  const pairs = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  if (pairs.length > 0) lines.push(`SETTINGS ${pairs.join(', ')}`);
  return lines.join('\n');
}

function engineClause(engine: string, args: readonly string[]): string {
  return args.length === 0 ? engine : `${engine}(${args.join(', ')})`;
}

// A replicated table deduplicates inserts through its own window; the non-replicated setting
// would be refused there, so it carries over under the replicated name.
function replicatedSettings(settings: Settings): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(settings)) {
    out[k === 'non_replicated_deduplication_window' ? 'replicated_deduplication_window' : k] = v;
  }
  return out;
}

function unwrap(key: string): string {
  const t = key.trim();
  return t.startsWith('(') && t.endsWith(')') ? t.slice(1, -1) : t;
}
