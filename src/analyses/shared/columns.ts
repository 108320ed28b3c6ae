/** Typed event columns a definition may name (filters, breakdowns). Nothing else reaches SQL as an identifier. */
export const COLUMN_NAMES = [
  'event',
  'device_type',
  'os',
  'browser',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'country',
  'locale',
  'page_path',
  'page_url',
  'page_referrer',
  'page_title',
] as const;
export type ColumnName = (typeof COLUMN_NAMES)[number];

export function isColumnName(name: string): name is ColumnName {
  return (COLUMN_NAMES as readonly string[]).includes(name);
}

/** The identifier for a whitelisted column name; throws for anything else. */
export function columnIdentifier(name: string): ColumnName {
  const column = COLUMN_NAMES.find((c) => c === name);
  if (!column) throw new Error(`unknown column ${name}`);
  return column;
}
