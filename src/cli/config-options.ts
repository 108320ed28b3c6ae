/** Config keys as command-line flags, so every command reads configuration the same way. */
import { Command, Option } from 'commander';
import { envName, loadConfig, type Config } from '../config/config.js';

const HELP: Partial<Record<keyof Config, string>> = {
  dataDir: 'data directory (engine, log, keys)',
  database: 'database name inside the engine',
  host: 'address to listen on',
  port: 'port to listen on (0 = any free port)',
  maxEventBytes: 'largest single event in bytes',
  maxBatchBytes: 'largest request body in bytes',
  rateLimitEventsPerSecond: 'events/s per project before 429 (0 = off)',
  flushIntervalMs: 'loader flush interval in ms',
  flushMaxEvents: 'loader flushes at this many waiting events',
  maxPendingLogBytes: 'unsynced log bytes before ingest answers 503',
  maxLagBytes: 'unloaded log bytes before ingest answers 503 (0 = no limit)',
  maxLagSeconds: 'seconds the oldest unloaded event may wait before ingest answers 503 (0 = no limit)',
  logSegmentBytes: 'log segment size in bytes',
  quarantinePayloadChars: 'quarantined payloads are truncated to this many characters',
  maxImportBytes: 'largest file accepted by POST /v1/import/file in bytes',
  ingestWorkers: 'threads that parse and normalize ingest requests (0 = on the request thread)',
  logLevel: 'server log level',
};

export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

export function addConfigOptions(cmd: Command, keys: ReadonlyArray<keyof Config>): Command {
  cmd.option('-c, --config <file>', 'JSON or YAML config file (env CLICKPATH_CONFIG)');
  for (const key of keys) {
    cmd.addOption(new Option(`--${flagName(key)} <value>`, `${HELP[key] ?? key} (env ${envName(key)})`));
  }
  return cmd;
}

export function configFrom(opts: Record<string, unknown>): Config {
  return loadConfig(opts as Parameters<typeof loadConfig>[0]);
}

export const DATA_KEYS: ReadonlyArray<keyof Config> = ['dataDir', 'database'];
export const SERVER_KEYS: ReadonlyArray<keyof Config> = [
  'dataDir', 'database', 'host', 'port', 'maxEventBytes', 'maxBatchBytes', 'rateLimitEventsPerSecond',
  'flushIntervalMs', 'flushMaxEvents', 'maxPendingLogBytes', 'maxLagBytes', 'maxLagSeconds', 'logSegmentBytes', 'quarantinePayloadChars', 'maxImportBytes', 'ingestWorkers', 'logLevel',
];
