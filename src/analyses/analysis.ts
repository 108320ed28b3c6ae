/**
 * The contract every analysis (funnel, sessions, engagement, trends, retention, paths, ...)
 * implements, so the API, CLI, saved reports and dashboard treat them alike:
 * validate definition (zod, once, at the edge) → plan → compile SQL with bound params → execute
 * on a Store → shape the result.
 */
import type { z } from 'zod';
import type { Store } from '../store/store.js';
import type { NameUse } from './kernel/names.js';

export interface AnalysisContext {
  readonly store: Store;
  readonly projectId: string;
  /** IANA time zone of the project; calendar days/weeks/months are taken in it. */
  readonly timezone: string;
  /** Injected clock (epoch ms) so tests never depend on wall time. */
  readonly now: () => number;
}

/** A flat table view of a result, for CLI tables and CSV. */
export interface ResultTable {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | null>>;
}

export interface Analysis<Definition, Result> {
  /** URL and CLI name: POST /v1/query/{name}, `clickpath {name}`. */
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType<Definition>;
  run(ctx: AnalysisContext, definition: Definition): Promise<Result>;
  toTable(result: Result): ResultTable;
  /**
   * The result as a file for BI tools, computed by the engine (CSV with a header row, or
   * Parquet). Analyses without it are exported from `toTable` as CSV only.
   */
  export?(ctx: AnalysisContext, definition: Definition, format: ExportFormat): Promise<Uint8Array>;
  /**
   * The event names and properties the definition uses and the range they are read in; the
   * kernel checks them against the data and adds `meta` (what each resolved to, warnings) to the
   * result the API and CLI return (`kernel/run-analysis.ts`).
   */
  names?(ctx: AnalysisContext, definition: Definition): NamesRequest;
}

export interface NamesRequest {
  readonly uses: readonly NameUse[];
  readonly range: { readonly fromMs: number | null; readonly toMs: number | null };
}

export type ExportFormat = 'CSVWithNames' | 'Parquet';

// Analyses are registered by their own modules; the registry stores them type-erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAnalysis = Analysis<any, any>;
