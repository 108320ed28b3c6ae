import type { Command } from 'commander';
import { openAccess } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { renderTable } from '../output.js';

export function registerStatus(program: Command): void {
  addConfigOptions(
    program.command('status').description('events stored, persons, rejected items and log lag per project')
      .option('-p, --project <id>', 'only this project')
      .option('--format <format>', 'table or json', 'table'),
    DATA_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    const access = await openAccess(configFrom(opts));
    try {
      const ids = opts.project ? [String(opts.project)] : (await access.listProjects()).map((p) => p.projectId);
      const views = [];
      for (const id of ids) views.push(await access.status(id));
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(views, null, 2) + '\n');
        return;
      }
      process.stdout.write(`(via ${access.via})\n`);
      process.stdout.write(
        renderTable({
          columns: ['project', 'events', 'persons', 'rejected', 'last event (UTC)', 'log lag (bytes)'],
          rows: views.map((v) => [v.project.id, v.eventsStored, v.personsStored, v.rejectedCount, v.lastEventAt ?? '-', v.log.lagBytes]),
        }) + '\n',
      );
      // One loader serves every project: its trouble is printed once, with what it does about it.
      const loader = views[0]?.loader;
      if (loader?.lastError) {
        const doing = loader.errorKind === 'transient' ? 'retrying with backoff, nothing is lost' : 'isolating the rows the engine refuses into the quarantine';
        process.stdout.write(`loader: ${doing} (${loader.failedAttempts} failed attempts): ${loader.lastError}\n`);
      }
      if (loader && loader.refused > 0) process.stdout.write(`loader: ${loader.refused} acknowledged events refused by the engine since the start (clickpath rejected shows them)\n`);
    } finally {
      await access.close();
    }
  });
}
