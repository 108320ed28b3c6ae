/** Tables as CSV files the browser downloads (RFC 4180 quoting; formula-looking text defused). */
export type Cell = string | number | boolean | null | undefined;

function quote(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  let s = String(cell);
  // A spreadsheet would run `=cmd()` found in event data; a leading quote keeps it text.
  if (typeof cell === 'string' && /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s))) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [columns, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
