/**
 * The mapping resolved against the file's actual columns: which column plays which role, which
 * columns fill typed event columns, which become properties. A column the mapping names but the
 * file lacks is an error naming the columns the file has.
 */
import type { ImportKind, ImportSpec, TimestampFormat, TypedColumn } from './import-spec.js';
import { TIMESTAMP_FROM, TYPED_COLUMNS } from './import-spec.js';
import { ImportError } from './import-error.js';
import type { Layout } from './stage.js';

export type ValueSource = { readonly column: string } | { readonly value: string };
export type TimeSource = ValueSource | { readonly personProperty: string };

export interface MappingPlan {
  readonly kind: ImportKind;
  readonly person?: string | undefined;
  readonly anonymous?: string | undefined;
  readonly event?: ValueSource | undefined;
  readonly timestamp?: TimeSource | undefined;
  readonly timestampFormat: TimestampFormat;
  readonly timezone: string;
  readonly typed: ReadonlyArray<readonly [TypedColumn, string]>;
  /** Typed columns the mapping names (the others in `typed` fill themselves from same-named columns). */
  readonly explicitTyped: readonly TypedColumn[];
  /** Properties: exactly these columns, or every column except these. */
  readonly properties: { readonly only: readonly string[] } | { readonly except: readonly string[] };
  readonly updatedAtColumn?: string | undefined;
}

export function planMapping(spec: ImportSpec, layout: Layout, projectTimezone: string): MappingPlan {
  const known = layout.kind === 'positional' ? new Set(layout.names) : undefined;
  const missing: string[] = [];
  const need = (column: string | undefined, role: string): void => {
    if (column !== undefined && known && !known.has(column)) missing.push(`"${column}" (${role})`);
  };
  need(spec.person, 'person');
  need(spec.anonymous, 'anonymous');
  need(spec.eventColumn, 'eventColumn');
  need(spec.timestampColumn, 'timestampColumn');
  need(spec.updatedAtColumn, 'updatedAtColumn');
  for (const [typed, column] of Object.entries(spec.columnMap ?? {})) need(column, `columnMap.${typed}`);
  if (Array.isArray(spec.properties)) for (const p of spec.properties) need(p, 'properties');
  if (missing.length > 0 && layout.kind === 'positional') {
    throw new ImportError(`the file has no column ${missing.join(', ')}; its columns are: ${layout.names.map((n) => `"${n}"`).join(', ')}`);
  }

  const roles = [spec.person, spec.anonymous, spec.eventColumn, spec.timestampColumn, spec.updatedAtColumn].filter((c): c is string => c !== undefined);
  const typed: Array<readonly [TypedColumn, string]> = [];
  if (spec.kind === 'events') {
    const explicit = spec.columnMap ?? {};
    for (const column of TYPED_COLUMNS) {
      const source = explicit[column];
      if (source !== undefined) typed.push([column, source]);
      // A column named like a typed column fills it, unless the mapping uses it for something else.
      else if ((known ? known.has(column) : true) && !roles.includes(column)) typed.push([column, column]);
    }
  }
  const used = [...roles, ...typed.map(([, source]) => source)];
  const properties = Array.isArray(spec.properties) ? { only: spec.properties } : { except: [...new Set(used)] };

  const timeFrom = spec.timestampFrom !== undefined ? TIMESTAMP_FROM.exec(spec.timestampFrom)?.[1] : undefined;
  return {
    kind: spec.kind,
    person: spec.person,
    anonymous: spec.anonymous,
    event: spec.kind !== 'events' ? undefined : spec.eventColumn !== undefined ? { column: spec.eventColumn } : { value: spec.event ?? '' },
    timestamp: spec.kind !== 'events'
      ? undefined
      : spec.timestampColumn !== undefined
        ? { column: spec.timestampColumn }
        : timeFrom !== undefined
          ? { personProperty: timeFrom }
          : { value: spec.timestamp ?? '' },
    // A constant is written by the person running the import: always ISO, never guessed.
    timestampFormat: spec.timestamp !== undefined ? 'iso' : spec.timestampFormat,
    timezone: spec.timezone ?? projectTimezone,
    typed,
    explicitTyped: Object.keys(spec.columnMap ?? {}) as TypedColumn[],
    properties,
    updatedAtColumn: spec.updatedAtColumn,
  };
}
