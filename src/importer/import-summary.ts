/** What an import reports: the same object for the CLI, the HTTP route and tests. */
import type { ImportFormat, ImportKind } from './import-spec.js';

export interface RejectedSample {
  readonly line: number;
  readonly reason: string;
  readonly errors: readonly string[];
}

export interface ImportSummary {
  readonly file: string;
  readonly format: ImportFormat;
  readonly kind: ImportKind;
  /**
   * completed: every row is stored or quarantined;
   * too_many_errors: more rows were bad than maxErrors allows, so nothing was stored;
   * interrupted: stopped between chunks; the same import run again completes it.
   */
  readonly outcome: 'completed' | 'too_many_errors' | 'interrupted';
  /** Rows in the file (NDJSON: non-blank lines). */
  readonly rowsRead: number;
  /** Events (persons: person rows) stored by this run. */
  readonly stored: number;
  /** Rows an earlier run of the same import already stored (skipped now). */
  readonly alreadyStored: number;
  /** Bad rows: quarantined (completed) or only counted (too_many_errors). */
  readonly rejected: number;
  readonly maxErrors: number;
  /** Rejected rows per reason code. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The first bad rows, with their line numbers. */
  readonly samples: readonly RejectedSample[];
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

export interface ImportProgress {
  readonly phase: 'reading' | 'checking' | 'storing';
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

/** Exit status for a finished import: 0 stored, 1 refused over max-errors, 130 interrupted. */
export function exitCodeOf(summary: ImportSummary): number {
  return summary.outcome === 'completed' ? 0 : summary.outcome === 'interrupted' ? 130 : 1;
}

export function summaryText(s: ImportSummary): string {
  const lines: string[] = [];
  const noun = s.kind === 'persons' ? 'person row(s)' : 'event(s)';
  lines.push(`${s.file} (${s.format}, ${s.kind}): ${s.rowsRead} row(s) read in ${s.seconds.toFixed(1)} s (${Math.round(s.rowsPerSecond)} rows/s)`);
  if (s.outcome === 'too_many_errors') {
    lines.push(`NOTHING STORED: ${s.rejected} row(s) are bad, more than max-errors (${s.maxErrors}).`);
    lines.push('Fix the file or the mapping (try --dry-run), or allow them with --max-errors N: they then go to the quarantine.');
  } else {
    lines.push(`  stored: ${s.stored} ${noun}`);
    if (s.alreadyStored > 0) lines.push(`  already stored by an earlier run of this import: ${s.alreadyStored}`);
    lines.push(`  rejected: ${s.rejected}${s.rejected > 0 ? ' (quarantined; list them with: clickpath rejected --reason REASON)' : ''}`);
  }
  const reasons = Object.entries(s.reasons);
  if (reasons.length > 0) lines.push(`  reasons: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  for (const sample of s.samples) lines.push(`  line ${sample.line}: ${sample.reason}: ${sample.errors.join('; ')}`);
  if (s.outcome === 'interrupted') lines.push('INTERRUPTED between chunks: nothing is half-stored. Run the same command again to complete the import.');
  return lines.join('\n');
}
