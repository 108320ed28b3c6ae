/**
 * `clickpath report create|list|show|update|run|backfill|results|export|delete`: saved reports
 * from the command line, through the running server or directly on the data directory.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { render, renderTable, type OutputFormat } from '../output.js';
import { progressBar } from '../progress.js';
import { readDefinition } from './query.command.js';
import { openReportsClient, ReportClientError, type ReportsClient, type ReportView } from '../report-client.js';
import type { ReportRun } from '../../reports/report-definition.js';

type Opts = Record<string, unknown>;

async function withClient<T>(opts: Opts, fn: (client: ReportsClient) => Promise<T>): Promise<T> {
  let client: ReportsClient;
  try {
    client = await openReportsClient(configFrom(opts), String(opts.project));
  } catch (err) {
    if (err instanceof ReportClientError) throw new CliError(err.message);
    throw err;
  }
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof ReportClientError) throw new CliError(err.message);
    throw err;
  } finally {
    await client.close();
  }
}

function positive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a positive whole number (got "${String(value)}")`);
  return n;
}

/** Report settings from flags; only the flags given (for update). */
function settingsFrom(opts: Opts): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const definition = readDefinition(opts);
  if (definition !== undefined) {
    if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) throw new CliError('the definition must be a JSON object');
    body.definition = definition;
  }
  if (opts.analysis !== undefined) body.analysis = String(opts.analysis);
  if (opts.schedule !== undefined) body.schedule = String(opts.schedule) === 'none' ? null : String(opts.schedule);
  if (opts.outputDir !== undefined) {
    body.output = String(opts.outputDir) === 'none' ? null : {
      dir: String(opts.outputDir),
      mode: String(opts.outputMode ?? 'current'),
      formats: String(opts.outputFormat ?? 'csv').split(',').map((f) => f.trim()),
    };
  }
  const rolling = positive('rolling-days', opts.rollingDays);
  if (rolling !== undefined) body.rollingDays = rolling;
  const attempts = positive('max-attempts', opts.maxAttempts);
  if (attempts !== undefined) body.maxAttempts = attempts;
  if (opts.rename !== undefined) body.name = String(opts.rename);
  return body;
}

function describe(r: ReportView): string {
  const lines = [
    `report ${r.name} (${r.reportId}), revision ${r.revision}`,
    `  analysis:   ${r.analysis}`,
    `  definition: ${JSON.stringify(r.definition)}`,
    `  schedule:   ${r.schedule ?? 'none (runs when asked)'}${r.nextRunAt ? `, next run ${r.nextRunAt}` : ''}`,
    `  output:     ${r.output ? `${r.output.formats.join(', ')} to <data dir>/exports/${r.output.dir} (${r.output.mode})` : 'none'}`,
  ];
  if (r.rollingDays !== null) lines.push(`  range:      the last ${r.rollingDays} days`);
  return lines.join('\n');
}

function runsTable(runs: readonly ReportRun[]): string {
  return renderTable({
    columns: ['started', 'trigger', 'attempt', 'status', 'ms', 'buckets', 'rows', 'error'],
    rows: runs.map((r) => [r.startedAt, r.trigger, r.attempt, r.status, r.durationMs, r.buckets, r.rows, r.error.slice(0, 80)]),
  });
}

function runLine(run: ReportRun): string {
  return `${run.status}: ${run.buckets.toLocaleString('en-US')} bucket(s), ${run.rows.toLocaleString('en-US')} row(s) in ${run.durationMs ?? 0} ms`;
}

function endRun(run: ReportRun): void {
  if (run.status === 'failed') throw new CliError(`the run failed: ${run.error}`);
  if (run.status === 'skipped') throw new CliError('the report is already running; try again when that run has ended');
  process.stdout.write(runLine(run) + '\n');
}

const sub = (parent: Command, spec: string, description: string): Command =>
  addConfigOptions(parent.command(spec).description(description).requiredOption('-p, --project <id>', 'project id'), DATA_KEYS);

function definitionOptions(cmd: Command): Command {
  return cmd
    .option('-d, --definition <file>', 'analysis definition JSON file')
    .option('--json <json>', 'analysis definition as inline JSON')
    .option('--schedule <cron>', "cron in the project time zone, e.g. '0 */4 * * *' or '30 0 * * *' ('none' = only when asked)")
    .option('--output-dir <dir>', "write results after every run to <data dir>/exports/<dir> ('none' = stop)")
    .option('--output-mode <mode>', 'current (one file, replaced) or per-run (a file per run)')
    .option('--output-format <formats>', 'csv, parquet or csv,parquet')
    .option('--rolling-days <n>', 'for reports recomputed whole: the last N days up to today')
    .option('--max-attempts <n>', 'attempts per scheduled run (retries with backoff)');
}

export function registerReport(program: Command): void {
  const report = program.command('report').description('saved reports: scheduled incremental rollups, backfill and CSV/Parquet exports');

  definitionOptions(sub(report, 'create <name>', 'save an analysis definition as a report')
    .requiredOption('-a, --analysis <name>', 'analysis: trends, sessions, funnel, retention, ...'))
    .action(async (name: string, opts: Opts) => {
      const body: Record<string, unknown> = { ...settingsFrom(opts), name };
      if (body.definition === undefined) body.definition = {};
      await withClient(opts, async (c) => {
        const created = await c.create(body);
        process.stdout.write(`${describe(created)}\nrun it now with: clickpath report run ${created.name} -p ${String(opts.project)}\n`);
      });
    });

  definitionOptions(sub(report, 'update <name>', 'change a report (a new analysis or definition starts its results over)')
    .option('-a, --analysis <name>', 'analysis')
    .option('--rename <name>', 'new name'))
    .action(async (name: string, opts: Opts) => {
      const body = settingsFrom(opts);
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass --definition, --schedule, --output-dir, --rename, ...');
      await withClient(opts, async (c) => process.stdout.write(describe(await c.update(name, body)) + '\n'));
    });

  sub(report, 'list', 'list the reports of a project').action(async (opts: Opts) => {
    await withClient(opts, async (c) => {
      const reports = await c.list();
      if (reports.length === 0) {
        process.stdout.write(`no reports yet; create one with: clickpath report create NAME -p ${String(opts.project)} --analysis trends --definition def.json\n`);
        return;
      }
      process.stdout.write(renderTable({
        columns: ['name', 'analysis', 'schedule', 'next run', 'output'],
        rows: reports.map((r) => [r.name, r.analysis, r.schedule ?? '', r.nextRunAt ?? '', r.output ? `${r.output.dir} (${r.output.formats.join(',')})` : '']),
      }) + '\n');
    });
  });

  sub(report, 'show <name>', 'a report and its latest runs').action(async (name: string, opts: Opts) => {
    await withClient(opts, async (c) => {
      const { report: r, runs } = await c.show(name);
      process.stdout.write(`${describe(r)}\n\n${runs.length ? runsTable(runs) : 'no runs yet'}\n`);
    });
  });

  sub(report, 'run <name>', 'run a report now (recomputes what changed since its last run)').action(async (name: string, opts: Opts) => {
    await withClient(opts, async (c) => endRun(await c.run(name)));
  });

  sub(report, 'backfill <name>', 'recompute the buckets of a date range')
    .requiredOption('--from <date>', 'first day (or ISO time)')
    .requiredOption('--to <date>', 'last day, inclusive (or ISO time, exclusive)')
    .action(async (name: string, opts: Opts) => {
      const bar = progressBar(`backfill ${name}`, 'buckets');
      try {
        await withClient(opts, async (c) => endRun(await c.backfill(name, String(opts.from), String(opts.to), (d, t) => bar.update(d, t))));
      } finally {
        bar.stop();
      }
    });

  sub(report, 'results <name>', 'print the materialized results')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(async (name: string, opts: Opts) => {
      const format = String(opts.format);
      if (format !== 'table' && format !== 'json' && format !== 'csv') throw new CliError(`--format must be table, json or csv (got "${format}")`);
      await withClient(opts, async (c) => {
        const res = await c.results(name);
        process.stdout.write(render(format as OutputFormat, res, res) + '\n');
      });
    });

  sub(report, 'export <name>', 'write the results as CSV or Parquet')
    .requiredOption('--out <file>', 'file to write')
    .option('--format <format>', 'csv or parquet (default: from the file name)')
    .action(async (name: string, opts: Opts) => {
      const out = String(opts.out);
      const format = String(opts.format ?? (out.endsWith('.parquet') ? 'parquet' : 'csv'));
      if (format !== 'csv' && format !== 'parquet') throw new CliError(`--format must be csv or parquet (got "${format}")`);
      await withClient(opts, async (c) => {
        const bytes = await c.export(name, format);
        try {
          writeFileSync(out, bytes);
        } catch (err) {
          throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
        }
        process.stderr.write(`wrote ${bytes.byteLength.toLocaleString('en-US')} bytes to ${out}\n`);
      });
    });

  sub(report, 'delete <name>', 'delete a report and its results (files already written stay)').action(async (name: string, opts: Opts) => {
    await withClient(opts, async (c) => {
      await c.remove(name);
      process.stdout.write(`report ${name} deleted\n`);
    });
  });
}
