/**
 * Name resolution, in one place: what a name in a definition or on the command line refers to (a
 * typed column, an event property, a person property, an event name), and whether the project's
 * data has it. A name the data does not have gives a warning in the result, with the spelling of
 * the alternative that does exist, instead of a silent row of zeros or "(none)".
 *
 * Spelling (CLI `--by`, and `parseName` for any caller with one text):
 *   `person.plan` → person property, `event.plan` → event property, `column.os` → typed column;
 *   `device`, `path`, `url`, `referrer` → the typed columns device_type, page_path, page_url,
 *   page_referrer; a typed column's own name → that column; any other name → event property.
 * The resolution never depends on the data (a saved report means the same thing tomorrow); the
 * data only decides the warnings.
 */
import type { Store } from '../../store/store.js';
import { COLUMN_NAMES, isColumnName, type ColumnName } from '../shared/columns.js';
import { queryRows } from './run.js';
import type { ProjectScope } from './scope.js';
import { ident, join, sql, strings } from './sql.js';
import { timeRange } from './time-sql.js';

export type NameSource = 'event' | 'person' | 'column';

/** Everyday names for typed columns. */
export const COLUMN_ALIASES: Readonly<Record<string, ColumnName>> = {
  device: 'device_type',
  path: 'page_path',
  url: 'page_url',
  referrer: 'page_referrer',
};

export interface PropertyName {
  readonly source: NameSource;
  readonly property: string;
}

/** The one spelling rule for a name given as one text (see the module comment). */
export function parseName(text: string): PropertyName {
  const dot = text.indexOf('.');
  if (dot > 0 && dot < text.length - 1) {
    const prefix = text.slice(0, dot);
    const rest = text.slice(dot + 1);
    if (prefix === 'person' || prefix === 'event' || prefix === 'column') return { source: prefix, property: rest };
  }
  const column = COLUMN_ALIASES[text] ?? text;
  if (isColumnName(column)) return { source: 'column', property: column };
  return { source: 'event', property: text };
}

/** The prefixed spelling that `parseName` reads back as `name`. */
export function spell(name: PropertyName): string {
  return `${name.source}.${name.property}`;
}

/** A name an analysis's definition uses, and where (`breakdown`, `filters[1]`, `startEvent`). */
export type NameUse =
  | { readonly at: string; readonly kind: 'event'; readonly event: string }
  | ({ readonly at: string; readonly kind: 'property' } & PropertyName);

/** What one name resolved to, for the result's `meta.names`. */
export interface ResolvedName {
  readonly at: string;
  readonly name: string;
  readonly as: 'event name' | 'event property' | 'person property' | 'typed column';
  /** Whether the project's events in the range (or its persons) have it. */
  readonly found: boolean;
}

export interface NamesMeta {
  readonly names: readonly ResolvedName[];
  readonly warnings: readonly string[];
}

const AS: Record<NameSource, ResolvedName['as']> = { event: 'event property', person: 'person property', column: 'typed column' };

interface Seen {
  readonly events: ReadonlySet<string>;
  readonly eventKeys: ReadonlySet<string>;
  readonly personKeys: ReadonlySet<string>;
  readonly columns: ReadonlySet<string>;
}

/** What of the used names the data has: two small aggregate queries over the scoped sources. */
async function seen(store: Pick<Store, 'query'>, scope: ProjectScope, uses: readonly NameUse[], range: { fromMs: number | null; toMs: number | null }): Promise<Seen> {
  const events = [...new Set(uses.flatMap((u) => (u.kind === 'event' ? [u.event] : [])))];
  // Every property name is looked up in every source, so a warning can say where it does exist.
  const keys = [...new Set(uses.flatMap((u) => (u.kind === 'property' ? [u.property, ...(u.source === 'column' ? aliasesOf(u.property) : [])] : [])))];
  const columns = COLUMN_NAMES.filter((c) => uses.some((u) => u.kind === 'property' && (u.property === c || COLUMN_ALIASES[u.property] === c)));
  const columnFlags = columns.length > 0 ? join(columns.map((c) => sql`max(${ident(c, COLUMN_NAMES)} != '')`), ', ') : sql`toUInt8(0)`;
  const src = scope.events({ where: timeRange(range.fromMs, range.toMs), persons: 'stored' });
  const [row] = await queryRows<{ events: string[]; keys: string[]; columns: number[] }>(store, sql`
    SELECT groupUniqArrayIf(event, has(${strings(events)}, event)) AS events,
      groupUniqArrayArray(arrayFilter(k -> has(${strings(keys)}, k), mapKeys(properties))) AS keys,
      [${columnFlags}] AS columns
    FROM ${src}`);
  const persons = keys.length === 0 ? [] : await queryRows<{ key: string }>(store, sql`
    SELECT DISTINCT key FROM ${scope.rows('person_properties', sql`key IN ${strings(keys)}`)}`);
  return {
    events: new Set(row?.events ?? []),
    eventKeys: new Set(row?.keys ?? []),
    personKeys: new Set(persons.map((p) => p.key)),
    columns: new Set(columns.filter((_, i) => Number(row?.columns[i] ?? 0) === 1)),
  };
}

function has(s: Seen, name: PropertyName): boolean {
  if (name.source === 'event') return s.eventKeys.has(name.property);
  if (name.source === 'person') return s.personKeys.has(name.property);
  return s.columns.has(name.property);
}

function aliasesOf(column: string): string[] {
  return Object.entries(COLUMN_ALIASES).filter(([, c]) => c === column).map(([alias]) => alias);
}

/** Where else a property name is set: the spellings to suggest. */
function alternatives(s: Seen, name: PropertyName): PropertyName[] {
  const candidates: PropertyName[] = [
    { source: 'event', property: name.property },
    { source: 'person', property: name.property },
  ];
  const column = COLUMN_ALIASES[name.property] ?? name.property;
  if (isColumnName(column)) candidates.push({ source: 'column', property: column });
  // A column named by its alias (`device` → device_type) also suggests the properties named `device`.
  if (name.source === 'column') {
    for (const alias of aliasesOf(name.property)) candidates.push({ source: 'event', property: alias }, { source: 'person', property: alias });
  }
  return candidates.filter((c) => !(c.source === name.source && c.property === name.property) && has(s, c));
}

/**
 * Resolves the names an analysis uses against the project's data in `range` and returns what
 * each one is and a warning for each that the data does not have.
 */
export async function checkNames(
  store: Pick<Store, 'query'>,
  scope: ProjectScope,
  uses: readonly NameUse[],
  range: { fromMs: number | null; toMs: number | null },
): Promise<NamesMeta> {
  if (uses.length === 0) return { names: [], warnings: [] };
  const s = await seen(store, scope, uses, range);
  const names: ResolvedName[] = [];
  const warnings: string[] = [];
  for (const u of uses) {
    if (u.kind === 'event') {
      const found = s.events.has(u.event);
      names.push({ at: u.at, name: u.event, as: 'event name', found });
      if (!found) warnings.push(`${u.at}: no "${u.event}" events in the range; check the event name`);
      continue;
    }
    const found = has(s, u);
    names.push({ at: u.at, name: u.property, as: AS[u.source], found });
    if (found) continue;
    const where = u.source === 'person' ? 'no person has it' : u.source === 'column' ? 'it is empty on every event in the range' : 'no event in the range has it';
    const alt = alternatives(s, u);
    const hint = alt.length > 0 ? `; ${alt.map((a) => `the ${AS[a.source]} "${a.property}" is set (${spell(a)}; in JSON "source": "${a.source}")`).join(', ')}` : '';
    warnings.push(`${u.at}: "${u.property}" was read as the ${AS[u.source]}, but ${where}${hint}`);
  }
  return { names, warnings };
}
