/** Rendering results for people (aligned tables) and programs (JSON, CSV). */
import type { ResultTable } from '../analyses/analysis.js';

export type OutputFormat = 'table' | 'json' | 'csv';

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
  return v;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/**
 * A duration for people: the two largest units, the smaller one rounded ("2m 30s", "1h 5m",
 * "3d 4h"; "2m" when the seconds round to 0); under a minute in seconds ("42s", "4.5s"), under a
 * second in ms ("350ms"). Negative values get a minus sign.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  if (ms < 9_950) return `${(Math.round(ms / 100) / 10).toString()}s`;
  if (Math.round(ms / 1000) < 60) return `${Math.round(ms / 1000)}s`;
  for (let i = 0; i < UNITS.length - 1; i++) {
    const [big, bigMs] = UNITS[i]!;
    const [small, smallMs] = UNITS[i + 1]!;
    const total = Math.round(ms / smallMs); // in the smaller unit, rounded
    const whole = Math.floor(total / (bigMs / smallMs));
    if (whole < 1) continue;
    const rest = total - whole * (bigMs / smallMs);
    return rest === 0 ? `${whole}${big}` : `${whole}${big} ${rest}${small}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

/** Columns whose name ends in `_ms` hold durations: tables show them in human units. */
const DURATION_COLUMN = /_ms$/;

export function renderTable(t: ResultTable): string {
  const durations = t.columns.map((c) => DURATION_COLUMN.test(c));
  const columns = t.columns.map((c, i) => (durations[i] ? c.replace(DURATION_COLUMN, '_time') : c));
  const rows = t.rows.map((r) => r.map((v, i) => (durations[i] && typeof v === 'number' ? formatDuration(v) : cell(v))));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[], header = false) =>
    r.map((v, i) => {
      const w = widths[i] ?? 0;
      return !header && (durations[i] || /^-?[\d.]+%?$/.test(v)) ? v.padStart(w) : v.padEnd(w);
    }).join('  ').trimEnd();
  return [line(columns, true), line(widths.map((w) => '-'.repeat(w)), true), ...rows.map((r) => line(r))].join('\n');
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
