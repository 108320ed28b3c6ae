import type { Command } from 'commander';
import { openAccess } from '../access.js';
import { addConfigOptions, configFrom, DATA_KEYS } from '../config-options.js';
import { renderTable } from '../output.js';
import { positiveInt } from '../parse.js';

export function registerRejected(program: Command): void {
  addConfigOptions(
    program.command('rejected').description('list quarantined (rejected) items with their reasons')
      .requiredOption('-p, --project <id>', 'project id')
      .option('--limit <n>', 'how many', positiveInt, 50)
      .option('--offset <n>', 'skip this many', (v: string) => positiveInt(v, 0, true), 0)
      .option('--reason <reason>', 'only this reason (e.g. invalid_message, oversize)')
      .option('--format <format>', 'table or json', 'table'),
    DATA_KEYS,
  ).action(async (opts: Record<string, unknown>) => {
    const access = await openAccess(configFrom(opts));
    try {
      const result = await access.rejected(String(opts.project), {
        limit: Number(opts.limit),
        offset: Number(opts.offset),
        ...(opts.reason ? { reason: String(opts.reason) } : {}),
      });
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${result.total} rejected item(s)\n`);
      process.stdout.write(
        renderTable({
          columns: ['received (UTC)', 'source', 'reason', 'errors', 'payload'],
          rows: result.items.map((i) => [i.received_at, i.file ? `${i.source} ${i.file}:${i.line}` : i.source, i.reason, i.errors.join('; '), i.payload.replace(/\s+/g, ' ').slice(0, 80)]),
        }) + '\n',
      );
    } finally {
      await access.close();
    }
  });
}
