/**
 * A saved report: which analysis, its definition, when it runs and where its results go.
 * The shape is the same for the API body, the CLI and what the store keeps.
 */
import { z } from 'zod';
import { cronProblem } from './cron.js';

/** Report names appear in URLs, CLI arguments and export file names: keep them plain. */
export const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const EXPORT_FORMATS = ['csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * A folder under the instance's export root (`<data dir>/exports`): relative, no `..`, so a
 * project key can never make the server write elsewhere.
 */
export const outputDirSchema = z
  .string()
  .min(1)
  .max(300)
  .refine((d) => !d.startsWith('/') && !d.startsWith('\\') && !/^[A-Za-z]:/.test(d), 'must be relative to the export root (<data dir>/exports)')
  .refine((d) => d.split(/[\\/]/).every((part) => part !== '..'), 'must not contain ".."')
  .refine((d) => !/[\0\r\n]/.test(d), 'must not contain control characters');

export const outputSchema = z.strictObject({
  dir: outputDirSchema,
  /** `current`: one file per format, replaced after every run; `per-run`: a new file per run. */
  mode: z.enum(['current', 'per-run']).default('current'),
  formats: z.array(z.enum(EXPORT_FORMATS)).min(1).max(2).default(['csv']),
});
export type ReportOutput = z.output<typeof outputSchema>;

const scheduleSchema = z.string().max(200).superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const definitionSchema = z.record(z.string(), z.unknown());

export const reportCreateSchema = z.strictObject({
  name: z.string().regex(REPORT_NAME, 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 100'),
  analysis: z.string().min(1).max(100),
  /** The analysis definition; bucketed reports fill `from`/`to` per bucket (see docs/reports.md). */
  definition: definitionSchema,
  /** Cron (5 fields) in the project time zone; null or absent = run only when asked. */
  schedule: scheduleSchema.nullable().default(null),
  output: outputSchema.nullable().default(null),
  /** Reports recomputed whole: the last N local days up to today instead of a fixed from/to. */
  rollingDays: z.number().int().min(1).max(3660).nullable().default(null),
  /** Attempts per scheduled run before it is given up until the next due time. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
});
export type ReportCreate = z.output<typeof reportCreateSchema>;

/** Every field optional; a changed analysis or definition starts the materialization over. */
export const reportUpdateSchema = z.strictObject({
  name: reportCreateSchema.shape.name.optional(),
  analysis: reportCreateSchema.shape.analysis.optional(),
  definition: definitionSchema.optional(),
  schedule: scheduleSchema.nullable().optional(),
  output: outputSchema.nullable().optional(),
  rollingDays: z.number().int().min(1).max(3660).nullable().optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
});
export type ReportUpdate = z.output<typeof reportUpdateSchema>;

export interface Report {
  readonly projectId: string;
  readonly reportId: string;
  readonly name: string;
  readonly analysis: string;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly schedule: string | null;
  readonly output: ReportOutput | null;
  readonly rollingDays: number | null;
  readonly maxAttempts: number;
  /** Bumped when the analysis or definition changes: older materialized buckets no longer count. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type RunTrigger = 'schedule' | 'manual' | 'backfill' | 'retry';
export type RunStatus = 'started' | 'finished' | 'failed' | 'skipped';

export interface ReportRun {
  readonly runId: string;
  readonly reportId: string;
  readonly revision: number;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** Buckets recomputed (1 for a report recomputed whole). */
  readonly buckets: number;
  /** Result rows written. */
  readonly rows: number;
  /** Largest `loaded_at` the run took into account; the next incremental run starts after it. */
  readonly watermark: string | null;
  readonly error: string;
}
