/** A result table: click a header to sort, export what is shown (in that order) as CSV. */
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { toCsv, type Cell } from '../lib/csv.js';
import { downloadText } from '../lib/download.js';

export interface Column<R> {
  readonly key: string;
  readonly label: string;
  readonly value: (row: R) => Cell;
  /** Display; the raw value when absent. */
  readonly render?: (row: R) => ComponentChildren;
  readonly numeric?: boolean;
  /** CSV header when it differs from the shown one (e.g. the unit of a raw number). */
  readonly exportLabel?: string;
}

export function DataTable<R>({
  columns,
  rows,
  exportName,
  initialSort,
  testId,
  rowKey,
  maxRows,
}: {
  columns: ReadonlyArray<Column<R>>;
  rows: readonly R[];
  exportName?: string;
  initialSort?: { key: string; desc: boolean };
  testId?: string;
  rowKey?: (row: R, i: number) => string;
  /** Rows rendered at first, and added by "Show more" (all rows are exported). */
  maxRows?: number;
}) {
  const [sort, setSort] = useState(initialSort ?? null);
  const [limit, setLimit] = useState(maxRows);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.key === sort.key);
    if (!col) return rows;
    const dir = sort.desc ? -1 : 1;
    return [...rows].sort((a, b) => dir * compare(col.value(a), col.value(b)));
  }, [rows, sort, columns]);
  const shown = limit !== undefined ? sorted.slice(0, limit) : sorted;

  return (
    <div class="table-wrap">
      {exportName && (
        <div class="table-tools">
          <span class="muted">
            {rows.length.toLocaleString('en-US')} row{rows.length === 1 ? '' : 's'}
            {shown.length < rows.length ? ` (first ${shown.length.toLocaleString('en-US')} shown)` : ''}
          </span>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => downloadText(`${exportName}.csv`, toCsv(columns.map((c) => c.exportLabel ?? c.label), sorted.map((r) => columns.map((c) => c.value(r)))))}
          >
            Export CSV
          </button>
        </div>
      )}
      <table class="data-table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <th key={c.key} class={c.numeric ? 'num' : undefined} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" class="th-sort" onClick={() => setSort({ key: c.key, desc: active ? !sort.desc : Boolean(c.numeric) })}>
                    {c.label}
                    <span class="sort-mark" aria-hidden="true">
                      {active ? (sort.desc ? '▼' : '▲') : ''}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={rowKey ? rowKey(r, i) : i}>
              {columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : undefined} data-col={c.key}>
                  {c.render ? c.render(r) : String(c.value(r) ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {limit !== undefined && maxRows !== undefined && shown.length < rows.length && (
        <button type="button" class="btn btn-small show-more" onClick={() => setLimit(limit + maxRows)}>
          Show {Math.min(maxRows, rows.length - shown.length).toLocaleString('en-US')} more
        </button>
      )}
    </div>
  );
}

function compare(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
