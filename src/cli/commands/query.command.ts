import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AnalysisRegistry } from '../../analyses/registry.js';
import { ALL_ANALYSES } from '../../analyses/all.js';
import { resultWarnings } from '../../analyses/kernel/run-analysis.js';
import { CliError, openAccess } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { render, type OutputFormat } from '../output.js';

export function readDefinition(opts: Record<string, unknown>): unknown {
  if (opts.json !== undefined) {
    try {
      return JSON.parse(String(opts.json));
    } catch (err) {
      throw new CliError(`--json is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (opts.definition !== undefined) {
    const path = String(opts.definition);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read definition file ${path}: ${(err as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new CliError(`definition file ${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return undefined;
}

export function parseFormat(value: unknown): OutputFormat {
  const f = String(value ?? 'table');
  if (f === 'parquet') throw new CliError('Parquet needs a file: add --out result.parquet');
  if (f !== 'table' && f !== 'json' && f !== 'csv') throw new CliError(`--format must be table, json or csv (got "${f}")`);
  return f;
}

/**
 * Runs an analysis through whichever access is available and prints it, or with `--out FILE`
 * writes it as CSV or Parquet (by `--format`, else the file's extension).
 */
export async function runAndPrint(opts: Record<string, unknown>, name: string, definition: unknown): Promise<void> {
  if (opts.out !== undefined) {
    const out = String(opts.out);
    const wanted = String(opts.format ?? (out.endsWith('.parquet') ? 'parquet' : 'csv'));
    const fileFormat = wanted === 'table' ? (out.endsWith('.parquet') ? 'parquet' : 'csv') : wanted;
    if (fileFormat !== 'csv' && fileFormat !== 'parquet') throw new CliError(`with --out, --format must be csv or parquet (got "${wanted}")`);
    const access = await openAccess(configFrom(opts));
    try {
      const bytes = await access.exportFile(String(opts.project), name, definition, fileFormat);
      try {
        writeFileSync(out, bytes);
      } catch (err) {
        throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
      }
      process.stderr.write(`wrote ${bytes.byteLength.toLocaleString('en-US')} bytes to ${out}\n`);
    } finally {
      await access.close();
    }
    return;
  }
  const format = parseFormat(opts.format);
  const analysis = new AnalysisRegistry(ALL_ANALYSES).get(name);
  if (!analysis) throw new CliError(`unknown analysis "${name}"`);
  const access = await openAccess(configFrom(opts));
  try {
    const result = await access.query(String(opts.project), name, definition);
    process.stdout.write(render(format, result, analysis.toTable(result)) + '\n');
    // On stderr, so tables, JSON and CSV on stdout stay machine-readable.
    for (const w of resultWarnings(result)) process.stderr.write(`warning: ${w}\n`);
  } finally {
    await access.close();
  }
}

export function registerQuery(program: Command): void {
  const names = ALL_ANALYSES.map((a) => a.name).join(', ');
  addConfigOptions(
    program.command('query <analysis>')
      .description(`run any analysis from a JSON definition (${names || 'none built in'})`)
      .requiredOption('-p, --project <id>', 'project id')
      .option('-d, --definition <file>', 'definition JSON file')
      .option('--json <json>', 'definition as inline JSON')
      .option('--format <format>', 'table, json or csv (with --out: csv or parquet)')
      .option('-o, --out <file>', 'write the result to a CSV or Parquet file'),
    DATA_KEYS,
  ).action(async (name: string, opts: Record<string, unknown>) => {
    const definition = readDefinition(opts);
    if (definition === undefined) throw new CliError('give the definition with --definition FILE or --json \'{...}\'');
    await runAndPrint(opts, name, definition);
  });
}
