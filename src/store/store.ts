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
  close(): Promise<void>;
}

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
