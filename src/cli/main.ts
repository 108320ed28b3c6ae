/** `clickpath`: the command-line entry point. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { CliError } from './access.js';
import { registerServe } from './commands/serve.command.js';
import { registerProject } from './commands/project.command.js';
import { registerStatus } from './commands/status.command.js';
import { registerRejected } from './commands/rejected.command.js';
import { registerQuery } from './commands/query.command.js';
import { registerDemo } from './commands/demo.command.js';
import { defaultPlugins } from '../plugins.js';
import { registerFunnel } from './commands/funnel.command.js';
import { registerImport } from './commands/import.command.js';
import { registerReport } from './commands/report.command.js';
import { registerSquash } from './commands/squash.command.js';
import { registerAnalysisCommand } from './commands/analysis.command.js';
import { ALL_ANALYSES } from '../analyses/all.js';
import { QueryError } from '../store/store.js';

export function buildProgram(): Command {
  const program = new Command('clickpath')
    .description('Self-hosted clickstream analytics: Segment-compatible ingest, funnels, sessions, live counters.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program);
  registerDemo(program, () => ({ plugins: defaultPlugins() }));
  registerProject(program);
  registerStatus(program);
  registerRejected(program);
  registerQuery(program);
  registerFunnel(program);
  registerImport(program);
  registerReport(program);
  registerSquash(program);
  for (const analysis of ALL_ANALYSES) if (analysis.name !== 'funnel') registerAnalysisCommand(program, analysis);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`clickpath: ${err.message}\n`);
      return 1;
    }
    if (err instanceof QueryError) {
      process.stderr.write(`clickpath: query failed: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`clickpath: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

// `clickpath ... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv);
// `serve` keeps the process alive through its listening socket; everything else exits here.
if (code !== 0) process.exit(code);
