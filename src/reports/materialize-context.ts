/**
 * What one materializing run is given and what it reports back, apart from materialize.ts so the
 * strategies it delegates to (bucket-counts.ts) can name them without importing it back.
 */
import type { AnyAnalysis } from '../analyses/analysis.js';
import type { Store } from '../store/store.js';
import type { ReportRepo } from './report-repo.js';

export interface MaterializeContext {
  readonly store: Store;
  readonly repo: ReportRepo;
  readonly analysis: AnyAnalysis;
  readonly timezone: string;
  readonly now: () => number;
  /** How far before the last watermark an incremental run looks again (see touched-buckets.ts). */
  readonly overlapMs: number;
  readonly runId: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export type MaterializeMode =
  | { readonly kind: 'incremental' }
  /** Recomputes every bucket overlapping [from, to] (texts as in definitions); the watermark stays. */
  | { readonly kind: 'backfill'; readonly from: string; readonly to: string };

export interface MaterializeOutcome {
  readonly buckets: number;
  readonly rows: number;
  /** New watermark (engine time text) or null when it does not move. */
  readonly watermark: string | null;
}
