/**
 * Any analysis result as a downloadable file: the engine's own CSV/Parquet writer where the
 * analysis provides one, else CSV rendered from its table view.
 */
import type { AnalysisContext, AnyAnalysis, ResultTable } from './analysis.js';

export type FileFormat = 'csv' | 'parquet';

export class ExportUnsupportedError extends Error {
  override readonly name = 'ExportUnsupportedError';
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const text = String(v);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function tableToCsv(t: ResultTable): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export async function exportResult(analysis: AnyAnalysis, ctx: AnalysisContext, definition: unknown, format: FileFormat): Promise<Uint8Array> {
  if (analysis.export) return analysis.export(ctx, definition, format === 'csv' ? 'CSVWithNames' : 'Parquet');
  if (format === 'parquet') {
    throw new ExportUnsupportedError(`${analysis.name} results export as CSV only (Parquet is available for sessions and engagement)`);
  }
  return new TextEncoder().encode(tableToCsv(analysis.toTable(await analysis.run(ctx, definition))));
}
