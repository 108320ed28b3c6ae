import type { Command } from 'commander';
import { startApp, type RunningApp } from '../../app.js';
import { defaultPlugins } from '../../plugins.js';
import { tolerateStdioErrors } from '../../api/log-destination.js';
import { addConfigOptions, configFrom, SERVER_KEYS } from '../config-options.js';

/** Stops cleanly on Ctrl-C / SIGTERM: the loader drains, the log flushes, the engine closes. */
export function closeOnSignals(app: RunningApp): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping (loading what is in the log first)...\n`);
    app.close().then((left) => {
      if (left && left.pendingBytes > 0) {
        process.stderr.write(`stopped with ${left.pendingBytes} bytes of the log not loaded (from position ${left.position}` +
          `${left.error ? `: ${left.error}` : ''}); they are kept and load at the next start\n`);
      }
      process.exit(0);
    }, (err) => {
      process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('run the ingest API, query API and dashboard on the embedded store');
  addConfigOptions(cmd, SERVER_KEYS).action(async (opts: Record<string, unknown>) => {
    tolerateStdioErrors();
    const config = configFrom(opts);
    const app = await startApp(config, { plugins: defaultPlugins() });
    closeOnSignals(app);
    const projects = app.registry.list();
    process.stdout.write(
      `Clickpath is listening on ${app.url}\n` +
        `  data directory: ${config.dataDir}\n` +
        `  projects: ${projects.length ? projects.map((p) => p.projectId).join(', ') : 'none yet (clickpath project create NAME)'}\n` +
        `  send events: POST ${app.url}/v1/batch (Segment HTTP API, write key as Basic auth user)\n` +
        `  dashboard: ${app.url}/\n`,
    );
  });
}
