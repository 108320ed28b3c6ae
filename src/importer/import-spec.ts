/**
 * What an import does with a file: its format and the mapping of its columns onto events or person
 * properties. One shape for flags, mapping files (JSON/YAML) and the HTTP route, validated once
 * with every problem named by its field.
 */
import { z } from 'zod';
import type { TypedColumns } from '../events/columns.js';
import { isValidTimezone } from '../projects/project-registry.js';
import { ImportError } from './import-error.js';

export const IMPORT_FORMATS = ['csv', 'tsv', 'ndjson', 'parquet'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const IMPORT_KINDS = ['events', 'persons'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * How timestamp text is read. `auto` accepts ISO 8601 (with or without an offset) and epoch
 * seconds (9-10 digits) or milliseconds (12-13 digits); `best_effort`/`us` accept the engine's
 * free forms (day-first / month-first for `01/02/2024`), which are ambiguous and so never guessed.
 */
export const TIMESTAMP_FORMATS = ['auto', 'iso', 'epoch_s', 'epoch_ms', 'best_effort', 'us'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** Event columns a file column can fill instead of becoming a property. */
export const TYPED_COLUMNS = [
  'page_url', 'page_path', 'page_referrer', 'page_title', 'device_type', 'os', 'browser', 'channel',
  'utm_source', 'utm_medium', 'utm_campaign', 'country', 'locale',
] as const satisfies ReadonlyArray<keyof TypedColumns>;
export type TypedColumn = (typeof TYPED_COLUMNS)[number];

/** `persons:KEY`: the timestamp is the person's property KEY (e.g. a signup date). */
export const TIMESTAMP_FROM = /^persons:(.+)$/s;

/**
 * ISO 8601 as exports write it: a date, optionally a time (T or space) with seconds and a
 * fraction, optionally Z, an offset or " UTC". Field ranges are checked here so the engine's
 * lenient parser never rolls `25:00` over into the next day.
 */
export const ISO_TIMESTAMP =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?)?(Z| ?[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?| UTC)?$';

const name = z.string().min(1, 'must not be empty').max(1000);

export const importSpecSchema = z
  .object({
    kind: z.enum(IMPORT_KINDS).default('events'),
    /** Default: from the file name (.csv, .tsv/.tab, .ndjson/.jsonl/.json, .parquet; .gz/.zst allowed after it). */
    format: z.enum(IMPORT_FORMATS).optional(),
    /** CSV field delimiter: one ASCII character, or `\t` / `tab`. */
    delimiter: z.string().optional(),
    /** CSV/TSV: whether the first line holds column names. */
    header: z.boolean().default(true),
    /** CSV/TSV column names, in order: required to name columns of a file without a header, or to rename a header's. */
    columns: z.array(name).min(1).optional(),
    /** Column with the user id (events: person when present; persons: required). */
    person: name.optional(),
    /** Column with the anonymous or device id (events only): the person when the user id is empty. */
    anonymous: name.optional(),
    timestampColumn: name.optional(),
    /** One instant for every row: ISO 8601 with Z or an offset, or a date (midnight in `timezone`). */
    timestamp: z.string().regex(new RegExp(ISO_TIMESTAMP), 'expected an ISO 8601 date or date-time').optional(),
    timestampFrom: z.string().regex(TIMESTAMP_FROM, 'expected persons:PROPERTY, e.g. persons:signup_date').optional(),
    timestampFormat: z.enum(TIMESTAMP_FORMATS).default('auto'),
    /** Zone of timestamps written without an offset; default: the project's time zone. */
    timezone: z.string().refine(isValidTimezone, 'unknown time zone; use an IANA name such as Europe/Berlin').optional(),
    eventColumn: name.optional(),
    event: z.string().trim().min(1, 'must not be blank').max(200).optional(),
    /** Columns stored as properties: a list, or "all" (every column the mapping does not use otherwise). */
    properties: z.union([z.literal('all'), z.array(name)]).default('all'),
    /** Typed event columns filled from file columns: `{ channel: "Media Source" }`. Same-named columns map themselves. */
    columnMap: z.partialRecord(z.enum(TYPED_COLUMNS), name).optional(),
    /** Persons only: column with the time each row's values were true (default: the import time). */
    updatedAtColumn: name.optional(),
    /** Rows that may be rejected (quarantined) before the whole import is refused. */
    maxErrors: z.number().int().min(0).default(0),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const timeSources = [s.timestampColumn, s.timestamp, s.timestampFrom].filter((x) => x !== undefined).length;
    if (s.kind === 'events') {
      if (s.person === undefined && s.anonymous === undefined) issue('person', 'name the user id column (person) or the anonymous/device id column (anonymous)');
      if ((s.eventColumn === undefined) === (s.event === undefined)) issue('event', 'give exactly one of eventColumn (a column with the event name) or event (one name for every row)');
      if (timeSources !== 1) issue('timestampColumn', 'give exactly one of timestampColumn, timestamp (one instant for every row) or timestampFrom (persons:PROPERTY)');
      if (s.updatedAtColumn !== undefined) issue('updatedAtColumn', 'only for kind persons');
    } else {
      if (s.person === undefined) issue('person', 'a persons table needs the user id column (person)');
      for (const key of ['anonymous', 'eventColumn', 'event', 'timestampColumn', 'timestamp', 'timestampFrom', 'columnMap'] as const) {
        if (s[key] !== undefined) issue(key, 'only for kind events (a persons table stores properties of users)');
      }
    }
    if (typeof s.delimiter === 'string' && delimiterChar(s.delimiter) === undefined) {
      issue('delimiter', 'expected one ASCII character other than a quote or line break (or \\t / tab)');
    }
    if (s.delimiter !== undefined && s.format !== undefined && s.format !== 'csv') issue('delimiter', 'only for csv (tsv is always tab-separated)');
    if (s.format === 'ndjson' || s.format === 'parquet') {
      if (s.columns !== undefined) issue('columns', `${s.format} files name their own fields`);
    }
    if (Array.isArray(s.columns)) {
      const dup = duplicates(s.columns);
      if (dup.length > 0) issue('columns', `names appear more than once: ${dup.join(', ')}`);
    }
  }, {
    // Also when a field is invalid, so one pass reports every problem of a mapping.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type ImportSpec = z.output<typeof importSpecSchema>;
export type ImportSpecInput = z.input<typeof importSpecSchema>;

/** The delimiter character, or undefined when it cannot be one. */
export function delimiterChar(text: string): string | undefined {
  const d = text === '\\t' || text.toLowerCase() === 'tab' ? '\t' : text;
  if (d.length !== 1 || d.charCodeAt(0) > 0x7e || d === '"' || d === '\n' || d === '\r') return undefined;
  return d;
}

export function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

/** Format from the file name, looking through a compression suffix. */
export function formatFromName(fileName: string): ImportFormat | undefined {
  const lower = fileName.toLowerCase().replace(/\.(gz|gzip|zst|zstd)$/, '');
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'ndjson';
  if (lower.endsWith('.parquet')) return 'parquet';
  return undefined;
}

/** The compression suffix the engine recognises, kept so the engine decompresses while reading. */
export function compressionSuffix(fileName: string): string {
  const m = /\.(gz|gzip|zst|zstd)$/i.exec(fileName);
  return m ? `.${m[1]!.toLowerCase()}` : '';
}

/** Validates a mapping; every problem is named by its field. */
export function parseImportSpec(input: unknown): ImportSpec {
  const result = importSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(mapping)'}: ${i.message}`);
  throw new ImportError(`invalid import mapping:\n${issues.join('\n')}`);
}
