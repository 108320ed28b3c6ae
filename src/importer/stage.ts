/**
 * Reading the file into a staging table, once, at engine speed. Every cell is read as text
 * (`Nullable(String)`) so no value can fail the read; parsing and validation happen later in SQL,
 * where a bad row becomes a quarantined row instead of an error.
 *
 * CSV/TSV columns get generated names (c0, c1, ... in file order; the header is read as data and
 * skipped by position), so a column name from a file never becomes an SQL identifier. A row the
 * CSV parser cannot read at all (a quote in the middle of a field) is logged by the engine to an
 * errors file and skipped; the staging step puts it back in its place as a `bad` row, because the
 * engine numbers only the rows it could read.
 *
 * NDJSON is read line by line (LineAsString), so line numbers are exact and a broken line is one
 * rejected row. Parquet rows are turned into JSON objects by the engine (timestamps as ISO 8601
 * UTC) and follow the NDJSON path.
 *
 * Text rows are numbered with rowNumberInAllBlocks() in a single-threaded read: for text formats
 * the `_row_number` virtual column is off by one after the first block under parallel parsing and
 * counts only the rows that parsed. Parquet rows use `_row_number`, their position in the file,
 * because its reader may decode row groups out of order.
 */
import { existsSync, statSync } from 'node:fs';
import type { QueryParams, Store } from '../store/store.js';
import { QueryError, assertIdentifier } from '../store/store.js';
import { delimiterChar, duplicates, type ImportFormat } from './import-spec.js';
import { ImportError } from './import-error.js';
import type { LocalInput } from './local-file.js';

/** How the staged rows hold their values. */
export type Layout =
  | { readonly kind: 'positional'; readonly names: readonly string[]; readonly lineOffset: number }
  | { readonly kind: 'json'; readonly lineOffset: number };

export interface Stage {
  readonly table: string;
  readonly layout: Layout;
  /** Highest row number + 1 (0 for an empty file). */
  readonly rowSpan: number;
}

export interface ReadOptions {
  readonly format: ImportFormat;
  readonly delimiter?: string | undefined;
  readonly header: boolean;
  readonly columns?: readonly string[] | undefined;
}

/** What a cell holds when its row ended before it: a text no real cell contains. */
const MISSING = '\u0001clickpath-missing-field\u0001';
/** Parse errors are tolerated (and logged) without limit: the import counts them itself. */
const UNLIMITED_ERRORS = 1_000_000_000_000;

/**
 * The engine's log of rows it could not parse. It writes it as CSV with the import's own CSV
 * delimiter, so it is read back with the same one.
 */
const ERRORS_TABLE = `file({errors:String}, 'CSV', 'time String, database Nullable(String), table Nullable(String), offset UInt64, reason String, raw_data String')`;
const ERRORS_SETTINGS = 'SETTINGS format_csv_delimiter = {errors_delimiter:String}';

const STAGE_NAME = /^import_stage_[0-9a-f]{16}(_rows)?$/;

export function stageTableName(base: string): string {
  return assertIdentifier(`import_stage_${base}`, 'stage table');
}

function positionalFormat(o: ReadOptions): string {
  const base = o.format === 'csv' ? 'CSV' : 'TSV';
  return o.header ? `${base}WithNames` : base;
}

/** SETTINGS for reading a CSV/TSV file as text cells; values bound, names fixed. */
function textSettings(o: ReadOptions, crlf: boolean): { sql: string; params: QueryParams } {
  const params: Record<string, string> = { s_missing: MISSING };
  const parts = [
    'input_format_with_names_use_header = 0',
    'input_format_csv_detect_header = 0',
    'input_format_tsv_detect_header = 0',
    'schema_inference_use_cache_for_file = 0',
  ];
  if (o.format === 'csv') {
    params.s_delimiter = delimiterChar(o.delimiter ?? ',') ?? ',';
    parts.push(
      'format_csv_delimiter = {s_delimiter:String}',
      'format_csv_null_representation = {s_missing:String}',
      'input_format_csv_allow_variable_number_of_columns = 1',
      'input_format_csv_empty_as_default = 0',
      // RFC 4180: spaces are part of a field; ids and times are trimmed where they are read.
      'input_format_csv_trim_whitespaces = 0',
      'input_format_csv_allow_whitespace_or_tab_as_delimiter = 1',
    );
  } else {
    parts.push(
      'format_tsv_null_representation = {s_missing:String}',
      'input_format_tsv_allow_variable_number_of_columns = 1',
      'input_format_tsv_empty_as_default = 0',
      `input_format_tsv_crlf_end_of_line = ${crlf ? 1 : 0}`,
    );
  }
  return { sql: parts.join(', '), params };
}

function structure(count: number): string {
  return Array.from({ length: count }, (_, i) => `c${i} Nullable(String)`).join(', ');
}

function columnList(count: number): string {
  return Array.from({ length: count }, (_, i) => `c${i}`).join(', ');
}

async function engineCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof QueryError) throw new ImportError(`${what}: ${err.message.replace(/^Code: \d+\. DB::Exception: /, '')}`);
    throw err;
  }
}

/** TSV lines ending in CR (Windows) need the engine told, or the last column keeps the CR. */
async function endsWithCr(store: Store, input: LocalInput): Promise<boolean> {
  const rows = await store.query<{ cr: number }>(
    `SELECT endsWith(line, '\\r') AS cr FROM file({path:String}, 'LineAsString') LIMIT 1`,
    { path: input.enginePath },
  );
  return Number(rows[0]?.cr ?? 0) === 1;
}

/** Names of a CSV/TSV file's columns: the header's (or the given ones), checked. */
async function columnNames(store: Store, input: LocalInput, o: ReadOptions, crlf: boolean): Promise<string[]> {
  const settings = textSettings({ ...o, header: false }, crlf);
  const plain = o.format === 'csv' ? 'CSV' : 'TSV';
  const described = await engineCall(`cannot read the first line of ${input.displayName}`, () =>
    store.query<{ name: string }>(
      `DESCRIBE file({path:String}, '${plain}') SETTINGS ${settings.sql}, input_format_max_rows_to_read_for_schema_inference = 1,
         input_format_csv_use_best_effort_in_schema_inference = 0, input_format_tsv_use_best_effort_in_schema_inference = 0`,
      { path: input.enginePath, ...settings.params },
    ));
  const count = described.length;
  if (!o.header) {
    if (!o.columns) return Array.from({ length: count }, (_, i) => `c${i + 1}`);
    if (o.columns.length !== count) {
      throw new ImportError(`columns names ${o.columns.length} column(s) but the first line of ${input.displayName} has ${count} field(s)`);
    }
    return [...o.columns];
  }
  const [first] = await store.query<Record<string, string | null>>(
    // One-row blocks without parallel parsing: the read stops at the header, whatever follows it.
    `SELECT ${columnList(count)} FROM file({path:String}, '${plain}', {structure:String}) LIMIT 1
     SETTINGS ${settings.sql}, max_block_size = 1, input_format_parallel_parsing = 0, max_threads = 1`,
    { path: input.enginePath, structure: structure(count), ...settings.params },
  );
  const header = Array.from({ length: count }, (_, i) => first?.[`c${i}`] ?? '');
  if (o.columns) {
    if (o.columns.length !== count) {
      throw new ImportError(`columns names ${o.columns.length} column(s) but the header of ${input.displayName} has ${count}: ${header.join(', ')}`);
    }
    return [...o.columns];
  }
  const blank = header.map((h, i) => (h.trim() === '' ? i + 1 : 0)).filter((i) => i > 0);
  if (blank.length > 0) {
    throw new ImportError(`the header of ${input.displayName} has no name for column(s) ${blank.join(', ')}; name every column with columns (--columns a,b,c)`);
  }
  const dup = duplicates(header);
  if (dup.length > 0) {
    throw new ImportError(`the header of ${input.displayName} names ${dup.map((d) => `"${d}"`).join(', ')} more than once; name the columns with columns (--columns a,b,c)`);
  }
  return header;
}

/**
 * Reads the file (or its first `limit` readable rows) into a new staging table. The caller drops
 * it (dropStage) when done.
 */
export async function stageFile(store: Store, input: LocalInput, o: ReadOptions, base: string, limit?: number): Promise<Stage> {
  const table = stageTableName(base);
  await dropTable(store, table);
  await dropTable(store, `${table}_rows`);
  const read: ReadSql = {
    limit: limit !== undefined ? ' LIMIT {limit:UInt64}' : '',
    params: { path: input.enginePath, ...(limit !== undefined ? { limit: Math.max(0, Math.floor(limit)) } : {}) },
    settings: 'max_threads = 1, input_format_parallel_parsing = 0, schema_inference_use_cache_for_file = 0',
  };
  return o.format === 'ndjson' || o.format === 'parquet' ? stageLines(store, input, o.format, table, read) : stageCells(store, input, o, table, read);
}

interface ReadSql {
  readonly limit: string;
  readonly params: QueryParams;
  /** Single-threaded, so rowNumberInAllBlocks() numbers rows in file order. */
  readonly settings: string;
}

/** NDJSON lines, or Parquet rows as JSON objects, one `line` per row. */
async function stageLines(store: Store, input: LocalInput, format: 'ndjson' | 'parquet', table: string, read: ReadSql): Promise<Stage> {
  const db = store.database;
  await store.exec(`CREATE TABLE ${db}.${table} (row UInt64, line String) ENGINE = MergeTree ORDER BY row`);
  const select = format === 'ndjson'
    ? `SELECT rowNumberInAllBlocks(), line FROM file({path:String}, 'LineAsString')${read.limit} SETTINGS ${read.settings}`
    // The Parquet reader decodes row groups in parallel and may emit them out of order; its
    // _row_number is the row's position in the file whatever the order.
    : `SELECT _row_number, trim(TRAILING '\\n' FROM formatRow('JSONEachRow', *)) FROM file({path:String}, 'Parquet')${read.limit}
       SETTINGS ${read.settings}, input_format_parquet_preserve_order = 1, date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 0`;
  await engineCall(`cannot read ${input.displayName} as ${format}`, () => store.exec(`INSERT INTO ${db}.${table} (row, line) ${select}`, read.params));
  return { table, layout: { kind: 'json', lineOffset: 1 }, rowSpan: await rowSpan(store, table) };
}

/** CSV/TSV cells as text; rows the parser cannot read are put back in place as `bad` rows. */
async function stageCells(store: Store, input: LocalInput, o: ReadOptions, table: string, read: ReadSql): Promise<Stage> {
  const db = store.database;
  const crlf = o.format === 'tsv' ? await endsWithCr(store, input) : false;
  const names = await columnNames(store, input, o, crlf);
  const n = names.length;
  const settings = textSettings(o, crlf);
  const cells = `${columnList(n)}, cx`;
  const stageColumns = `row UInt64, bad String DEFAULT '', raw String DEFAULT '', ${structure(n)}, cx Nullable(String)`;
  await store.exec(`CREATE TABLE ${db}.${table} (${stageColumns}) ENGINE = MergeTree ORDER BY row`);
  // One extra column (cx) catches rows with more fields than the header.
  await engineCall(`cannot read ${input.displayName} as ${o.format}`, () => store.exec(
    `INSERT INTO ${db}.${table} (row, ${cells})
     SELECT rowNumberInAllBlocks(), ${cells} FROM file({path:String}, '${positionalFormat(o)}', {structure:String})${read.limit}
     SETTINGS ${settings.sql}, ${read.settings}, input_format_allow_errors_num = ${UNLIMITED_ERRORS}, input_format_allow_errors_ratio = 1,
       input_format_record_errors_file_path = {errors:String}`,
    { ...read.params, structure: `${structure(n)}, cx Nullable(String)`, errors: input.errorsPath, ...settings.params },
  ));
  const layout: Layout = { kind: 'positional', names, lineOffset: o.header ? 2 : 1 };
  const errors = { errors: input.errorsPath, errors_delimiter: o.format === 'csv' ? delimiterChar(o.delimiter ?? ',') ?? ',' : ',' };
  if ((await parseErrorCount(store, errors)) === 0) return { table, layout, rowSpan: await rowSpan(store, table) };

  // The engine numbered only the rows it could read: renumber them around the unreadable ones
  // (error i, at data row e_i, has e_i - i readable rows before it), then add those.
  const rows = `${table}_rows`;
  await store.exec(`CREATE TABLE ${db}.${rows} (${stageColumns}) ENGINE = MergeTree ORDER BY row`);
  await store.exec(
    `INSERT INTO ${db}.${rows} (row, ${cells})
     SELECT r.row + e.rank, ${cells.split(', ').map((c) => `r.${c}`).join(', ')}
     FROM (SELECT toUInt8(0) AS k, * FROM ${db}.${table}) AS r
     ASOF LEFT JOIN (
       SELECT toUInt8(0) AS k, readable_before, max(rank) AS rank FROM (
         SELECT toUInt64(offset - row_number() OVER (ORDER BY offset)) AS readable_before, toUInt64(row_number() OVER (ORDER BY offset)) AS rank
         FROM ${ERRORS_TABLE})
       GROUP BY readable_before
     ) AS e ON r.k = e.k AND e.readable_before <= r.row
     ${ERRORS_SETTINGS}`,
    errors,
  );
  await store.exec(
    `INSERT INTO ${db}.${rows} (row, bad, raw)
     SELECT offset - 1, if(extract(reason, {error_line:String}) != '', extract(reason, {error_line:String}), splitByChar('\\n', reason)[1]), raw_data
     FROM ${ERRORS_TABLE} ${ERRORS_SETTINGS}`,
    { ...errors, error_line: 'ERROR: ([^\\n]*)' },
  );
  await dropTable(store, table);
  return { table: rows, layout, rowSpan: await rowSpan(store, rows) };
}

async function parseErrorCount(store: Store, errors: { errors: string; errors_delimiter: string }): Promise<number> {
  if (!existsSync(errors.errors) || statSync(errors.errors).size === 0) return 0;
  const [r] = await store.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM ${ERRORS_TABLE} ${ERRORS_SETTINGS}`, errors);
  return Number(r?.n ?? 0);
}

async function rowSpan(store: Store, table: string): Promise<number> {
  const [r] = await store.query<{ n: string }>(`SELECT toString(if(count() = 0, 0, max(row) + 1)) AS n FROM ${store.database}.${table}`);
  return Number(r?.n ?? 0);
}

async function dropTable(store: Store, table: string): Promise<void> {
  if (!STAGE_NAME.test(table)) throw new Error(`refusing to drop ${table}: not a staging table`);
  await store.exec(`DROP TABLE IF EXISTS ${store.database}.${table}`);
}

export async function dropStage(store: Store, stage: { table: string }): Promise<void> {
  await dropTable(store, stage.table);
}

/**
 * Drops staging tables a killed import left behind. Tables in `active` belong to imports running
 * in this process; the age check spares those of another process on a shared server.
 */
export async function dropStaleStages(store: Store, active: ReadonlySet<string>): Promise<void> {
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'import_stage_')
       AND metadata_modification_time < now() - INTERVAL 1 HOUR`,
    { db: store.database },
  );
  for (const { name } of rows) {
    if (STAGE_NAME.test(name) && !active.has(name.replace(/_rows$/, ''))) await dropTable(store, name);
  }
}
