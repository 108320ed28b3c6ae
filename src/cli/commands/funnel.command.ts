/**
 * `clickpath funnel --steps home,search,payment,confirmation --window 7d --by device`: the funnel
 * definition from flags (or a file), printed as a table, JSON or CSV.
 */
import type { Command } from 'commander';
import { EVENT_COLUMNS, type FunnelBreakdown, type FunnelDefinition } from '../../analyses/funnel/definition.js';
import { parseName } from '../../analyses/kernel/names.js';
import { CliError } from '../access.js';
import { addConfigOptions, DATA_KEYS } from '../config-options.js';
import { positiveInt } from '../parse.js';
import { readDefinition, runAndPrint } from './query.command.js';

/**
 * `--by device` → typed column (device_type); `--by person.sex` → person property;
 * `--by event.plan` or any other name → event property: the kernel's one spelling rule
 * (`parseName`). The result's `meta` says what the name was read as, and a warning names the
 * spelling to use when the data has the name elsewhere (`--by sex` on a person-only trait).
 */
export function parseBreakdown(text: string, limit: number | undefined, step: number | undefined): FunnelBreakdown {
  const name = parseName(text);
  // `event` is a typed column elsewhere, but a funnel breaks down by step events, not their name.
  const column = name.source !== 'column' || (EVENT_COLUMNS as readonly string[]).includes(name.property);
  const breakdown: FunnelBreakdown = column ? { type: name.source, property: name.property } : { type: 'event', property: text };
  return { ...breakdown, ...(limit !== undefined ? { limit } : {}), ...(step !== undefined ? { attributionStep: step } : {}) };
}

export function funnelFromFlags(opts: Record<string, unknown>): FunnelDefinition {
  const fromFile = readDefinition(opts) as FunnelDefinition | undefined;
  if (!fromFile && opts.steps === undefined) throw new CliError('give the steps with --steps a,b,c (or a definition with --definition FILE / --json)');
  const def: FunnelDefinition = { ...(fromFile ?? { steps: [] }) };
  if (opts.steps !== undefined) {
    def.steps = String(opts.steps).split(',').map((s) => s.trim()).filter(Boolean).map((s) => ({ event: s.includes('|') ? s.split('|') : s }));
  }
  if (opts.order !== undefined) def.order = opts.order as FunnelDefinition['order'];
  if (opts.window !== undefined) def.window = String(opts.window);
  if (opts.from !== undefined) def.from = String(opts.from);
  if (opts.to !== undefined) def.to = String(opts.to);
  if (opts.by !== undefined) def.breakdown = parseBreakdown(String(opts.by), opts.limit as number | undefined, opts.attributionStep as number | undefined);
  if (opts.trend !== undefined) def.trend = { interval: opts.trend as 'day' | 'week' | 'month' };
  if (opts.unit !== undefined) def.unit = opts.unit as FunnelDefinition['unit'];
  if (opts.sessionTimeout !== undefined) def.session = { ...def.session, timeout: String(opts.sessionTimeout) };
  return def;
}

export function registerFunnel(program: Command): void {
  addConfigOptions(
    program.command('funnel')
      .description('how many persons went through each step, where they dropped off, by segment')
      .requiredOption('-p, --project <id>', 'project id')
      .option('--steps <list>', 'comma-separated event names; a|b means either event')
      .option('--order <mode>', 'ordered (default), strict or any')
      .option('--window <duration>', 'conversion window from step 1, e.g. 30m, 2h, 7d (default 14d)')
      .option('--from <date>', 'first day (or ISO time) of step 1, in the project time zone')
      .option('--to <date>', 'last day (or ISO time) of step 1')
      .option('--by <property>', 'breakdown: a column (device, channel, country...), person.NAME or event.NAME')
      .option('--limit <n>', 'breakdown values shown before "Other"', positiveInt)
      .option('--attribution-step <n>', 'step whose event supplies the breakdown value', positiveInt)
      .option('--trend <interval>', 'conversion trend by day, week or month of entry')
      .option('--unit <unit>', 'what is counted: person (default) or session')
      .option('--session-timeout <duration>', 'with --unit session: inactivity that ends a session (default 30m)')
      .option('-d, --definition <file>', 'definition JSON file (flags override it)')
      .option('--json <json>', 'definition as inline JSON (flags override it)')
      .option('--format <format>', 'table, json or csv (with --out: csv or parquet)')
      .option('-o, --out <file>', 'write the result to a CSV or Parquet file'),
    DATA_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    await runAndPrint(opts, 'funnel', funnelFromFlags(opts));
  });
}
