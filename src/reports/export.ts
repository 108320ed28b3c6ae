/**
 * Report results as CSV or Parquet bytes, produced by the engine from the materialized rows, and
 * written to an output folder after a run.
 *
 * Column types come from the values: a column whose values are all integers (or null) is
 * Int64, all numbers Float64, anything else String; every column is nullable. Column names are
 * the analysis table's names where they are plain identifiers; any other name (an engagement key
 * such as "merchant id") is written as `col_<position>` so no user text becomes SQL.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import type { RawFormat, Store } from '../store/store.js';
import type { ExportFormat, Report } from './report-definition.js';
import type { ReportRepo } from './report-repo.js';

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export class NoResultsError extends Error {
  override readonly name = 'NoResultsError';
}

/** Export column names: the given ones where plain and unique, `col_<n>` otherwise. */
export function exportColumnNames(columns: readonly string[]): string[] {
  const used = new Set<string>();
  return columns.map((c, i) => {
    let name = PLAIN.test(c) ? c : `col_${i + 1}`;
    if (used.has(name.toLowerCase())) name = `col_${i + 1}`;
    used.add(name.toLowerCase());
    return name;
  });
}

type ColumnType = 'Int64' | 'Float64' | 'String';

function typeOf(jsonTypes: readonly string[]): ColumnType {
  const present = jsonTypes.filter((t) => t !== 'Null');
  if (present.every((t) => t === 'Int64' || t === 'UInt64')) return present.length === 0 ? 'String' : 'Int64';
  if (present.every((t) => t === 'Int64' || t === 'UInt64' || t === 'Double')) return 'Float64';
  return 'String';
}

function columnExpr(i: number, type: ColumnType): string {
  const at = `row_json, ${i}`;
  switch (type) {
    case 'Int64':
      return `JSONExtract(${at}, 'Nullable(Int64)')`;
    case 'Float64':
      return `JSONExtract(${at}, 'Nullable(Float64)')`;
    case 'String':
      // Text as is; a number or boolean in a text column keeps its JSON spelling.
      return `multiIf(JSONType(${at}) = 'Null', NULL, JSONType(${at}) = 'String', JSONExtractString(${at}), JSONExtractRaw(${at}))`;
  }
}

const RAW_FORMAT: Record<ExportFormat, RawFormat> = { csv: 'CSVWithNames', parquet: 'Parquet' };

/** The current rows of a report in `format`; NoResultsError before its first run. */
export async function exportReport(store: Store, repo: ReportRepo, report: Report, format: ExportFormat): Promise<Uint8Array> {
  const columns = await repo.columns(report.projectId, report.reportId, report.revision);
  if (columns === null) throw new NoResultsError(`report "${report.name}" has no results yet: run it first`);
  const current = repo.currentRowsSql(report.projectId, report.reportId, report.revision);
  const n = columns.length;
  const typeRows = n === 0 ? [] : await store.query<Record<string, string[]>>(
    `SELECT ${columns.map((_, i) => `groupUniqArray(JSONType(row_json, ${i + 1})) AS t${i + 1}`).join(', ')} FROM (${current.sql})`,
    current.params,
  );
  const names = exportColumnNames(columns);
  const select = columns.map((_, i) => {
    const type = typeOf(typeRows[0]?.[`t${i + 1}`] ?? []);
    return `${columnExpr(i + 1, type)} AS \`${names[i] ?? `col_${i + 1}`}\``;
  });
  // Empty fields for nulls in CSV: what spreadsheets and BI tools read as missing (not `\N`).
  const settings = format === 'csv' ? " SETTINGS format_csv_null_representation = ''" : '';
  const sql = `SELECT ${select.length > 0 ? select.join(', ') : "'' AS empty"} FROM (${current.sql}) ORDER BY bucket, row_no${settings}`;
  return store.queryRaw(sql, current.params, RAW_FORMAT[format]);
}

export const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', parquet: 'parquet' };

/** The folder a report's output setting names, inside the export root (checked again here). */
export function outputFolder(exportRoot: string, dir: string): string {
  const root = resolve(exportRoot);
  const folder = resolve(root, dir);
  if (folder !== root && !folder.startsWith(root + sep)) throw new Error(`output folder "${dir}" lies outside the export root`);
  return folder;
}

/** Writes a file so readers see the old or the new content, never a partial one. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * After a run: one file per format, `<name>.<ext>` replaced each time (`current`) or
 * `<name>-<run id>.<ext>` per run (`per-run`). Returns the paths written.
 */
export async function writeOutputs(store: Store, repo: ReportRepo, report: Report, exportRoot: string, runId: string): Promise<string[]> {
  const output = report.output;
  if (!output) return [];
  const folder = outputFolder(exportRoot, output.dir);
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  for (const format of output.formats) {
    const bytes = await exportReport(store, repo, report, format);
    const file = output.mode === 'current' ? `${report.name}.${EXTENSIONS[format]}` : `${report.name}-${runId}.${EXTENSIONS[format]}`;
    const path = join(folder, file);
    writeAtomically(path, bytes);
    written.push(path);
  }
  return written;
}
