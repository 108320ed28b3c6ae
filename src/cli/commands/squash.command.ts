import type { Command } from 'commander';
import { openStore, runningServer } from '../../app.js';
import { CliError } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { squashOverrides } from '../../store/timeline-squash.js';

/**
 * `clickpath squash`: rewrites merged persons' timeline rows now (docs/timeline.md). A running
 * server squashes on its own every 30 s and holds the data directory, so the command only runs
 * on a directory no server has open.
 */
export function registerSquash(program: Command): void {
  addConfigOptions(
    program.command('squash').description('rewrite the person timeline for pending identity merges (the server does this on its own)')
      .option('--batch <n>', 'distinct ids per run', '10000'),
    DATA_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFrom(opts);
    const server = runningServer(config.dataDir);
    if (server) throw new CliError(`a server runs on this data directory (${server.url}); it squashes every 30 s on its own`);
    const batch = Number(opts.batch);
    if (!Number.isInteger(batch) || batch < 1) throw new CliError('--batch must be a positive integer');
    const store = await openStore(config);
    try {
      // No other process writes here, so every fresh-id mark has settled.
      const report = await squashOverrides(store, { batch, settleMs: 0, maxRuns: Number.MAX_SAFE_INTEGER });
      process.stdout.write(`${report.runs} runs, ${report.ids} ids, ${report.rowsRewritten} timeline rows rewritten${report.resumed ? ' (an interrupted run finished first)' : ''}\n`);
    } finally {
      await store.close();
    }
  });
}
