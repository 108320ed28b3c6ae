/**
 * `clickpath import FILE`: loads a CSV/TSV/NDJSON/Parquet file as events or person properties.
 * Flags override a mapping file (--mapping). Without a server the data directory is opened
 * directly; while a server holds it, the file is uploaded to the server's import route with the
 * instance admin key (the engine allows one process per data directory, and stopping a server
 * to import would stop ingest).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { openStore, readAdminKey, runningServer } from '../../app.js';
import { ProjectRegistry } from '../../projects/project-registry.js';
import { CliError } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { positiveInt } from '../parse.js';
import { renderTable } from '../output.js';
import { ImportError } from '../../importer/import-error.js';
import { IMPORT_FORMATS, IMPORT_KINDS, TIMESTAMP_FORMATS, TYPED_COLUMNS, parseImportSpec, type ImportSpec } from '../../importer/import-spec.js';
import { runImport } from '../../importer/import-runner.js';
import { previewImport, type ImportPreview } from '../../importer/preview.js';
import { exitCodeOf, summaryText, type ImportSummary } from '../../importer/import-summary.js';
import { PROGRESS_MODES, progressView, type ProgressMode } from '../../importer/progress-view.js';
import { uploadImport } from '../../importer/upload-client.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

function collectMap(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  const typed = value.slice(0, eq).trim();
  if (eq <= 0 || !(TYPED_COLUMNS as readonly string[]).includes(typed)) {
    throw new InvalidArgumentError(`expected TYPED=COLUMN with TYPED one of ${TYPED_COLUMNS.join(', ')} (got "${value}")`);
  }
  return { ...previous, [typed]: value.slice(eq + 1) };
}

function readMappingFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read mapping file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new CliError(`mapping file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`mapping file ${path} must hold an object`);
  return parsed as Record<string, unknown>;
}

/** Flag name → mapping key, for the flags that set a mapping key directly. */
const FLAG_KEYS = {
  kind: 'kind', format: 'format', delimiter: 'delimiter', columns: 'columns', person: 'person', anonymous: 'anonymous',
  timestampColumn: 'timestampColumn', timestamp: 'timestamp', timestampFrom: 'timestampFrom', timestampFormat: 'timestampFormat',
  timezone: 'timezone', eventColumn: 'eventColumn', event: 'event', properties: 'properties', updatedAtColumn: 'updatedAtColumn', maxErrors: 'maxErrors',
} as const;

/** The mapping: the file's, then every flag given on the command line on top. */
export function specFromOptions(opts: Record<string, unknown>, cmd: Command): ImportSpec {
  const spec: Record<string, unknown> = opts.mapping !== undefined ? readMappingFile(String(opts.mapping)) : {};
  const given = (flag: string) => cmd.getOptionValueSource(flag) === 'cli' || cmd.getOptionValueSource(flag) === 'env';
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (given(flag) && opts[flag] !== undefined) spec[key] = opts[flag];
  if (given('header')) spec.header = opts.header;
  if (given('allProperties')) spec.properties = 'all';
  if (opts.map !== undefined) spec.columnMap = { ...(spec.columnMap as object | undefined), ...(opts.map as Record<string, string>) };
  try {
    return parseImportSpec(spec);
  } catch (err) {
    if (err instanceof ImportError) throw new CliError(err.message);
    throw err;
  }
}

export function registerImport(program: Command): void {
  const cmd = program.command('import <file>')
    .description('import a CSV/TSV/NDJSON/Parquet file as events (or, with --kind persons, as person properties)')
    .requiredOption('-p, --project <id>', 'project id')
    .addOption(new Option('--kind <kind>', 'events or persons (a table of user id + attributes)').choices(IMPORT_KINDS))
    .addOption(new Option('--format <format>', 'input format (default: from the file name)').choices(IMPORT_FORMATS))
    .option('--delimiter <char>', 'CSV field delimiter, e.g. ";" or "\\t" (default ",")')
    .option('--no-header', 'the first line is data, not column names (name them with --columns)')
    .option('--columns <names>', 'comma-separated column names (for a file without header, or to rename the header\'s)', list)
    .option('--person <column>', 'column with the user id')
    .option('--anonymous <column>', 'column with the anonymous/device id (the person when the user id is empty)')
    .option('--timestamp-column <column>', 'column with the event time')
    .option('--timestamp <iso>', 'one time for every row (ISO 8601, e.g. 2024-01-01T00:00:00Z)')
    .option('--timestamp-from <source>', 'take the time from a person property, e.g. persons:signup_date')
    .addOption(new Option('--timestamp-format <format>', 'how times are written (default auto: ISO 8601 or epoch s/ms)').choices(TIMESTAMP_FORMATS))
    .option('--timezone <iana>', 'zone of times without an offset (default: the project\'s)')
    .option('--event-column <column>', 'column with the event name')
    .option('--event <name>', 'one event name for every row (e.g. one file per funnel page)')
    .option('--properties <columns>', 'comma-separated columns to store as properties (default: all other columns)', list)
    .option('--all-properties', 'store every column not mapped otherwise as a property (the default)')
    .option('--map <typed=column>', `fill a typed column from a file column, repeatable (${TYPED_COLUMNS.join(', ')})`, collectMap)
    .option('--updated-at-column <column>', 'persons: column with the time the values were true (default: now)')
    .option('--mapping <file>', 'mapping as JSON or YAML (flags override it); see docs/import.md')
    .option('--max-errors <n>', 'bad rows tolerated (quarantined); above it nothing is stored (default 0)', (v: string) => positiveInt(v, undefined, true))
    .option('--dry-run [rows]', 'show the first rows as they would be stored (default 10), store nothing')
    .addOption(new Option('--progress <mode>', 'progress display').choices(PROGRESS_MODES).default('auto'))
    .option('--json', 'print the summary as JSON')
    .addOption(new Option('--chunk-rows <n>', 'rows per stored chunk').argParser((v: string) => positiveInt(v)).hideHelp());
  addConfigOptions(cmd, DATA_KEYS).action(async (file: string, opts: Record<string, unknown>, command: Command) => {
    const spec = specFromOptions(opts, command);
    const dryRun = opts.dryRun === undefined ? undefined : opts.dryRun === true ? 10 : positiveInt(String(opts.dryRun));
    const config = configFrom(opts);
    const projectId = String(opts.project);
    const view = progressView((opts.progress ?? 'auto') as ProgressMode);
    const abort = new AbortController();
    const onSigint = () => {
      if (abort.signal.aborted) process.exit(130);
      abort.abort();
      process.stderr.write('\nstopping after the current chunk (Ctrl-C again to stop now; running the same import again completes it)\n');
    };
    process.on('SIGINT', onSigint);
    const server = runningServer(config.dataDir);
    try {
      let result: { summary: ImportSummary } | { preview: ImportPreview };
      if (server) {
        const adminKey = readAdminKey(config.dataDir);
        if (!adminKey) throw new CliError(`a server is running on ${config.dataDir} but its admin-key file is unreadable`);
        result = await uploadImport({ url: server.url, adminKey, projectId, path: file, spec, dryRunRows: dryRun, signal: abort.signal, onProgress: (p) => view.update(p) });
      } else {
        const store = await openStore(config);
        try {
          const registry = new ProjectRegistry(store);
          await registry.refresh();
          const project = registry.get(projectId);
          if (!project) {
            const known = registry.list().map((p) => p.projectId);
            throw new CliError(`unknown project "${projectId}"; ${known.length ? `known: ${known.join(', ')}` : 'create one with: clickpath project create NAME'}`);
          }
          const request = { store, project, path: file, spec };
          result = dryRun !== undefined
            ? { preview: await previewImport(request, dryRun) }
            : { summary: await runImport({ ...request, chunkRows: opts.chunkRows as number | undefined, signal: abort.signal, onProgress: (p) => view.update(p) }) };
        } finally {
          await store.close();
        }
      }
      view.stop();
      if ('preview' in result) {
        process.stdout.write((opts.json ? JSON.stringify(result.preview, null, 2) : previewText(result.preview)) + '\n');
        return;
      }
      process.stdout.write((opts.json ? JSON.stringify(result.summary, null, 2) : summaryText(result.summary)) + '\n');
      process.exitCode = exitCodeOf(result.summary);
    } catch (err) {
      view.stop();
      if (abort.signal.aborted && server !== undefined) {
        // The server stops its import between chunks when the upload's connection closes.
        process.stderr.write('interrupted: the server stops the import between chunks; run the same command again to complete it\n');
        process.exitCode = 130;
        return;
      }
      if (err instanceof ImportError) throw new CliError(err.message);
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}

export function previewText(p: ImportPreview): string {
  const out = [`${p.file} (${p.format}, ${p.kind}) — dry run, nothing stored`];
  if (p.columns) out.push(`columns: ${p.columns.map((c) => JSON.stringify(c)).join(', ')}`);
  out.push('mapping:', ...p.mapping.map((m) => `  ${m}`), '');
  const keys = [...new Set(p.rows.flatMap((r) => Object.keys(r.values)))];
  out.push(renderTable({
    columns: ['line', ...keys, 'properties', 'result'],
    rows: p.rows.map((r) => [
      r.line,
      ...keys.map((k) => r.values[k] ?? ''),
      JSON.stringify(r.properties),
      r.codes.length === 0 ? 'stored' : `rejected: ${r.codes[0]}: ${r.errors.join('; ')}`,
    ]),
  }));
  return out.join('\n');
}
