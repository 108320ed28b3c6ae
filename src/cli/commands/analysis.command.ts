/**
 * `clickpath sessions|trends|retention|...`: every analysis without hand-made flags gets a
 * command that takes its JSON definition (file or inline) plus the common range flags.
 */
import type { Command } from 'commander';
import type { AnyAnalysis } from '../../analyses/analysis.js';
import { CliError } from '../access.js';
import { addConfigOptions, DATA_KEYS } from '../config-options.js';
import { readDefinition, runAndPrint } from './query.command.js';

export function registerAnalysisCommand(program: Command, analysis: AnyAnalysis): void {
  addConfigOptions(
    program.command(analysis.name)
      .description(analysis.description)
      .requiredOption('-p, --project <id>', 'project id')
      .option('-d, --definition <file>', 'definition JSON file')
      .option('--json <json>', 'definition as inline JSON')
      .option('--from <date>', 'first day (or ISO time), overrides the definition')
      .option('--to <date>', 'last day (or ISO time), overrides the definition')
      .option('--format <format>', 'table, json or csv (with --out: csv or parquet)')
      .option('-o, --out <file>', 'write the result to a CSV or Parquet file'),
    DATA_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    const given = readDefinition(opts);
    if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
      throw new CliError('the definition must be a JSON object');
    }
    const definition: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined) };
    if (opts.from !== undefined) definition.from = String(opts.from);
    if (opts.to !== undefined) definition.to = String(opts.to);
    await runAndPrint(opts, analysis.name, definition);
  });
}
