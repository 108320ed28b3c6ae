/** Rendering results for people (aligned tables) and programs (JSON, CSV). */
import type { ResultTable } from '../analyses/analysis.js';

export type OutputFormat = 'table' | 'json' | 'csv';

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
  return v;
}

export function renderTable(t: ResultTable): string {
  const rows = t.rows.map((r) => r.map(cell));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((v, i) => {
      const w = widths[i] ?? 0;
      return /^-?[\d.]+%?$/.test(v) ? v.padStart(w) : v.padEnd(w);
    }).join('  ').trimEnd();
  return [line(t.columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function renderCsv(t: ResultTable): string {
  return [t.columns, ...t.rows.map((r) => r.map(cell))].map((r) => r.map((v) => csvField(String(v))).join(',')).join('\n');
}

export function render(format: OutputFormat, value: unknown, table: ResultTable): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'csv') return renderCsv(table);
  return renderTable(table);
}
