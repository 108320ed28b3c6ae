import type { Command } from 'commander';
import { openAccess } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { renderTable } from '../output.js';

export function registerProject(program: Command): void {
  const project = program.command('project').description('create and list projects and their keys');
  addConfigOptions(
    project.command('create <name>').description('create a project and print its write, secret and live keys').option('--timezone <iana>', 'project time zone for calendar days', 'UTC'),
    DATA_KEYS,
  ).action(async (name: string, opts: Record<string, unknown>) => {
    const access = await openAccess(configFrom(opts));
    try {
      const p = await access.createProject(name, String(opts.timezone));
      process.stdout.write(
        `project ${p.projectId} created (time zone ${p.timezone})\n` +
          `  write key  (send events; safe in apps): ${p.writeKey}\n` +
          `  secret key (read and admin; shown once): ${p.secretKey}\n` +
          `  live key   (live counters only; safe to embed): ${p.liveKey}\n`,
      );
    } finally {
      await access.close();
    }
  });
  addConfigOptions(project.command('list').description('list projects with their public keys'), DATA_KEYS).action(
    async (opts: Record<string, unknown>) => {
      const access = await openAccess(configFrom(opts));
      try {
        const list = await access.listProjects();
        process.stdout.write(
          renderTable({
            columns: ['project', 'name', 'timezone', 'write key', 'live key', 'created'],
            rows: list.map((p) => [p.projectId, p.name, p.timezone, p.writeKey, p.liveKey, p.createdAt]),
          }) + '\n',
        );
      } finally {
        await access.close();
      }
    },
  );
}
