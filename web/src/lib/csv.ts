/** Tables as CSV text (RFC 4180 quoting; text a spreadsheet would run as a formula is defused). */
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
