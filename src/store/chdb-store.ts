/**
 * The embedded store: ClickHouse in-process through the `chdb` binding. The engine allows one data
 * directory per process, so a process holds at most one ChdbStore per path.
 */
import { mkdirSync, accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { InsertOptions, QueryParams, RawFormat, Store, StoreCapabilities } from './store.js';
import { QueryError, assertIdentifier } from './store.js';

type ChdbSession = import('chdb').Session;
const require = createRequire(import.meta.url);

export interface ChdbStoreOptions {
  readonly dataDir: string;
  readonly database?: string;
}

const CAPABILITIES: StoreCapabilities = {
  inProcess: true,
  insertDedupToken: true,
  localFileTableFunction: true,
  serialStatements: true,
  cluster: null,
};

/** Serialises bound values the way the binding expects. */
function bindable(params: QueryParams | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!params) return out;
  const convert = (v: unknown): unknown => {
    // The binding refuses integral numbers beyond ±2^53 as "unsafe integers", though a Float64
    // such as 1e20 is exact as it is; as a bigint it travels as the double's exact digits. A
    // bigint, unlike a decimal string, also stays an unquoted number inside Array and Map values.
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v);
    // The engine's text form of a UTC DateTime64(3); ISO 'T…Z' does not parse as a parameter.
    if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
    if (Array.isArray(v)) return v.map(convert);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    }
    return v;
  };
  for (const [k, v] of Object.entries(params)) out[k] = convert(v);
  return out;
}

export class ChdbStore implements Store {
  readonly capabilities = CAPABILITIES;
  readonly database: string;
  private readonly session: ChdbSession;
  private readonly dataDir: string;
  private closed = false;

  private constructor(session: ChdbSession, dataDir: string, database: string) {
    this.session = session;
    this.dataDir = dataDir;
    this.database = database;
  }

  static async open(options: ChdbStoreOptions): Promise<ChdbStore> {
    const database = assertIdentifier(options.database ?? 'clickpath', 'database');
    try {
      mkdirSync(options.dataDir, { recursive: true });
      accessSync(options.dataDir, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new Error(
        `data directory ${options.dataDir} is not usable (${(err as Error).message}); ` +
          'pass --data-dir with a writable folder',
      );
    }
    const { Session } = require('chdb') as typeof import('chdb');
    const session = new Session(options.dataDir);
    const store = new ChdbStore(session, options.dataDir, database);
    await store.exec(`CREATE DATABASE IF NOT EXISTS ${database}`);
    return store;
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    const text = await this.run(sql, params, 'JSONEachRow');
    const out: T[] = [];
    if (text.length === 0) return out;
    for (const line of text.split('\n')) {
      if (line.length > 0) out.push(JSON.parse(line) as T);
    }
    return out;
  }

  async exec(sql: string, params?: QueryParams): Promise<void> {
    await this.run(sql, params, 'JSONEachRow');
  }

  async queryRaw(sql: string, params: QueryParams, format: RawFormat): Promise<Uint8Array> {
    try {
      const result = await this.session.queryBindAsync(sql, bindable(params), { format });
      return result.bytes();
    } catch (err) {
      throw new QueryError(messageOf(err), sql, params, err);
    }
  }

  async insertJsonRows(table: string, rows: string | Buffer, options: InsertOptions = {}): Promise<number> {
    assertIdentifier(table, 'table');
    const settings: Record<string, string | number> = {};
    if (options.dedupToken !== undefined) settings.insert_deduplication_token = options.dedupToken;
    try {
      const summary = await this.session.insert({
        table: `${this.database}.${table}`,
        values: rows,
        format: 'JSONEachRow',
        ...(options.columns ? { columns: options.columns } : {}),
        settings,
      });
      return summary.rowsWritten;
    } catch (err) {
      throw new QueryError(messageOf(err), `INSERT INTO ${this.database}.${table} FORMAT JSONEachRow`, undefined, err);
    }
  }

  /** Sessions on one data directory run side by side and see each other's writes at once. */
  openSibling(): Promise<Store> {
    return ChdbStore.open({ dataDir: this.dataDir, database: this.database });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }

  private async run(sql: string, params: QueryParams | undefined, format: string): Promise<string> {
    try {
      const result = params && Object.keys(params).length > 0
        ? await this.session.queryBindAsync(sql, bindable(params), { format })
        : await this.session.queryAsync(sql, { format });
      return result.text();
    } catch (err) {
      throw new QueryError(messageOf(err), sql, params, err);
    }
  }
}

function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // The engine appends a long stack trace; the first line is what a person needs.
  return msg.split('\n')[0] ?? msg;
}
