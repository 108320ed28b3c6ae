/**
 * `clickpath demo`: one project per demo scenario, deterministic data generated inside the engine,
 * then the server with the dashboard. Rerunning keeps existing demo data (keys are kept in
 * `<data-dir>/demo-keys.json`, readable only by the owner).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { startApp, type AppOptions, type RunningApp } from '../../app.js';
import { generateDemo, SCENARIO_NAMES, type ScenarioName } from '../../demo/generate-demo.js';
import { CliError } from '../access.js';
import { addConfigOptions, configFrom, SERVER_KEYS } from '../config-options.js';
import { positiveInt } from '../parse.js';
import { progressBar } from '../progress.js';
import { renderTable } from '../output.js';
import { closeOnSignals } from './serve.command.js';

const TIMEZONES: Record<ScenarioName, string> = {
  ecommerce: 'Europe/Berlin',
  scooter: 'Europe/Berlin',
  flyers: 'America/New_York',
  articles: 'UTC',
};

const keysSchema = z.record(z.string(), z.object({ projectId: z.string(), writeKey: z.string(), secretKey: z.string(), liveKey: z.string() }));
type DemoKeys = z.infer<typeof keysSchema>;

function readKeys(path: string): DemoKeys {
  if (!existsSync(path)) return {};
  const parsed = keysSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new CliError(`${path} is damaged; delete it together with the demo projects' data directory to start over`);
  return parsed.data;
}

/**
 * The articles demo saves its top-100 list every 4 hours (views beside purchases), through the
 * same API a user would call, so "which articles were highlighted when" has history to show.
 */
async function scheduleTopSnapshots(app: RunningApp, secretKey: string): Promise<void> {
  const res = await app.server.inject({
    method: 'PUT',
    url: '/v1/live/top/schedules',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    payload: { event: 'detailsView', key: 'article_id', window: '4h', limit: 100, every: '4h', second: 'transaction_item' },
  });
  // Without the live module mounted there is nothing to schedule; any other failure is a bug.
  if (res.statusCode !== 200 && res.statusCode !== 404) throw new CliError(`could not schedule top-list snapshots: ${res.body}`);
}

export async function runDemo(app: RunningApp, options: { events: number; seed: number; days: number; scenarios: readonly ScenarioName[]; quiet?: boolean }): Promise<DemoKeys> {
  const keysPath = join(app.config.dataDir, 'demo-keys.json');
  const keys = readKeys(keysPath);
  for (const scenario of options.scenarios) {
    const projectId = `demo-${scenario}`;
    if (keys[scenario] && app.registry.get(projectId)) continue;
    if (app.registry.get(projectId)) {
      throw new CliError(`project ${projectId} exists but its keys are not in ${keysPath}; use another --data-dir for the demo`);
    }
    const created = await app.registry.create(`Demo: ${scenario}`, { projectId, timezone: TIMEZONES[scenario] });
    keys[scenario] = { projectId, writeKey: created.writeKey, secretKey: created.secretKey, liveKey: created.liveKey };
    writeFileSync(keysPath, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
    const bar = progressBar(`${scenario.padEnd(9)}`, 'events');
    await generateDemo(app.store, {
      scenario,
      projectId,
      events: options.events,
      seed: options.seed,
      end: new Date(app.now()),
      days: options.days,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    if (scenario === 'articles') await scheduleTopSnapshots(app, created.secretKey);
    if (!options.quiet) process.stderr.write(`  ${projectId}: ${options.events.toLocaleString('en-US')} events generated\n`);
  }
  return keys;
}

export function registerDemo(program: Command, appOptions: () => AppOptions): void {
  addConfigOptions(
    program.command('demo')
      .description('create one project per demo scenario with generated data, then serve the API and dashboard')
      .option('--events <n>', 'events per scenario', positiveInt, 200_000)
      .option('--seed <n>', 'random seed (same seed, same data)', (v: string) => positiveInt(v, 0, true), 42)
      .option('--days <n>', 'days of history, ending now (at least 2)', (v: string) => {
        const n = positiveInt(v);
        if (n < 2) throw new InvalidArgumentError('expected at least 2 days');
        return n;
      }, 60)
      .option('--scenarios <list>', `comma-separated subset of ${SCENARIO_NAMES.join(',')}`, SCENARIO_NAMES.join(','))
      .option('--no-serve', 'generate and exit instead of serving'),
    SERVER_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    const scenarios = String(opts.scenarios).split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = scenarios.filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s));
    if (unknown.length > 0) throw new CliError(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIO_NAMES.join(', ')}`);
    const config = configFrom(opts);
    const app = await startApp(config, appOptions());
    try {
      const keys = await runDemo(app, { events: Number(opts.events), seed: Number(opts.seed), days: Number(opts.days), scenarios: scenarios as ScenarioName[] });
      const serving = opts.serve !== false;
      process.stdout.write(serving ? `\nClickpath demo is running on ${app.url}\n\n` : `\nDemo data is ready in ${config.dataDir}; start it with: clickpath serve --data-dir ${config.dataDir}\n\n`);
      process.stdout.write(renderTable({
        columns: ['scenario', 'dashboard', 'write key', 'secret key'],
        rows: scenarios.map((s) => {
          const k = keys[s];
          return [s, k ? `${app.url}/?key=${k.secretKey}` : '-', k?.writeKey ?? '-', k?.secretKey ?? '-'];
        }),
      }) + '\n\n');
      process.stdout.write(`Send events: POST ${app.url}/v1/batch with a write key (Segment HTTP API). Keys are saved in ${join(config.dataDir, 'demo-keys.json')}.\n`);
      if (serving) process.stdout.write('Stop with Ctrl-C.\n');
    } catch (err) {
      await app.close();
      throw err;
    }
    if (opts.serve === false) {
      await app.close();
      return;
    }
    closeOnSignals(app);
  });
}
