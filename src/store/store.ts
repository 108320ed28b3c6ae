/**
 * The one interface every storage engine implements. All SQL handed to a store is ClickHouse SQL
 * that a ClickHouse server would accept too; values travel only as bound `{name:Type}` parameters.
 */

/** A value that can be bound to a `{name:Type}` placeholder. */
export type ParamValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };

export type QueryParams = Readonly<Record<string, ParamValue>>;

/** Formats a store can return raw bytes in (exports). */
export type RawFormat = 'CSVWithNames' | 'TSVWithNames' | 'Parquet' | 'JSONEachRow';

export interface InsertOptions {
  /**
   * Deduplication token: inserting the same rows with the same token twice stores them once.
   * Not a guarantee across a crash: the engine may have recorded the token of a block it never
   * committed, so the loader checks its tables on a retry instead (loader/range-stored.ts).
   */
  readonly dedupToken?: string;
  readonly columns?: readonly string[];
}

/** What an engine can do; analyses ask these instead of branching on engine names. */
export interface StoreCapabilities {
  /** Engine is in-process: a query result never crosses a network. */
  readonly inProcess: boolean;
  /** `insert_deduplication_token` is honoured on non-replicated MergeTree tables. */
  readonly insertDedupToken: boolean;
  /** Can read files from the local filesystem via the `file()` table function (imports). */
  readonly localFileTableFunction: boolean;
  /**
   * One connection runs one statement at a time, so work that must not wait behind loads (live
   * reads) asks `openSibling` for a connection of its own.
   */
  readonly serialStatements: boolean;
  /**
   * The cluster tables are created on: `createTable` then emits replicated local tables with a
   * Distributed table in front. `null` on a single node.
   */
  readonly cluster: string | null;
}

export interface Store {
  /** The database all Clickpath tables live in (an identifier from config, never user input). */
  readonly database: string;
  readonly capabilities: StoreCapabilities;
  /** Runs a SELECT and returns its rows parsed from JSONEachRow. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a SELECT and returns raw bytes in an export format. */
  queryRaw(sql: string, params: QueryParams, format: RawFormat): Promise<Uint8Array>;
  /** Inserts newline-delimited JSON rows into a table of `database`. */
  insertJsonRows(table: string, rows: string | Buffer, options?: InsertOptions): Promise<number>;
  /**
   * A connection to the same data whose statements run beside this one's and see its writes at
   * once. A store whose statements already run side by side returns itself; otherwise the caller
   * closes what it got.
   */
  openSibling(): Promise<Store>;
  close(): Promise<void>;
}

/**
 * Opens a fresh store: how the app, the CLI and the shared test suites get one without naming an
 * engine. The store is not migrated yet.
 */
export type StoreFactory = () => Promise<Store>;

/** A failed statement, carrying the SQL and parameters so logs can show what ran. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly sql: string,
    readonly params: QueryParams | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Database and table names come from config; refuse anything that is not a plain identifier. */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`${what} "${name}" must be a plain identifier (letters, digits, underscore)`);
  }
  return name;
}
