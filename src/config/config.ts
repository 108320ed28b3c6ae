/**
 * Configuration: typed options with defaults, read from (highest precedence first) command-line
 * flags, `CLICKPATH_*` environment variables, and an optional JSON/YAML file.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./clickpath-data'),
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('clickpath'),
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0, 65535).default(8787),
  /** Largest single event, in bytes of JSON (Segment's own limit is 32 KB). */
  maxEventBytes: int(256, 16 * 1024 * 1024).default(32 * 1024),
  /** Largest request body, in bytes (Segment's own batch limit is 500 KB). */
  maxBatchBytes: int(1024, 256 * 1024 * 1024).default(500 * 1024),
  /** Sustained events per second per project before 429; 0 turns rate limiting off. */
  rateLimitEventsPerSecond: int(0, 100_000_000).default(0),
  /** Loader flushes when this much time passed since the oldest unloaded event... */
  flushIntervalMs: int(10, 600_000).default(1000),
  /** ...or when this many events wait, whichever comes first. */
  flushMaxEvents: int(1, 10_000_000).default(10_000),
  /** Bytes waiting for fsync beyond which ingest answers 503 instead of queueing more. */
  maxPendingLogBytes: int(1024, 8 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  /** Unloaded log bytes past which ingest answers 503 with Retry-After (0: no limit). */
  maxLagBytes: int(0, 64 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Seconds the oldest unloaded request may wait before ingest answers 503 (0: no limit). */
  maxLagSeconds: int(0, 86_400).default(30),
  logSegmentBytes: int(4096, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Largest file accepted by POST /v1/import/file, in bytes. */
  maxImportBytes: int(1024, 64 * 1024 * 1024 * 1024).default(1024 * 1024 * 1024),
  /** Raw payloads kept in quarantine are truncated to this many characters. */
  quarantinePayloadChars: int(64, 10 * 1024 * 1024).default(8192),
  /**
   * Worker threads that parse and normalize ingest requests off the request thread; 0 does it
   * on the request thread. Default: one per core, at most 4.
   */
  ingestWorkers: int(0, 64).default(Math.max(1, Math.min(4, availableParallelism()))),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variable for each key: dataDir → CLICKPATH_DATA_DIR. */
export function envName(key: string): string {
  return 'CLICKPATH_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold an object of settings`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Merges the sources and validates once. Unknown keys in the file are errors (a typo must not be
 * silently ignored); flags that are undefined do not override.
 */
export function loadConfig(
  flags: Partial<Record<keyof Config, unknown>> & { config?: string },
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const keys = Object.keys(configSchema.shape) as Array<keyof Config>;
  const filePath = flags.config ?? env.CLICKPATH_CONFIG;
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const unknown = Object.keys(fromFile).filter((k) => !(keys as string[]).includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(`config file ${filePath}: unknown setting(s) ${unknown.join(', ')}; known: ${keys.join(', ')}`);
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of keys) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
    const fromFlag = flags[key];
    if (fromFlag !== undefined) merged[key] = fromFlag;
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `  ${key} (flag --${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}, env ${envName(key)}): ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
