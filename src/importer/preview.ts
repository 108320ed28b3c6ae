/**
 * `--dry-run`: the first rows of a file as they would be stored (or why they would be rejected),
 * computed by the same staging and mapping SQL as a real import, writing nothing but a temporary
 * staging table.
 */
import { randomBytes } from 'node:crypto';
import type { MappingPlan } from './mapping-plan.js';
import { planMapping } from './mapping-plan.js';
import { MAPPED_SETTINGS, mappedEventsSql, mappedPersonsSql } from './mapping-sql.js';
import type { ImportFormat, ImportKind } from './import-spec.js';
import { requireLocalFiles, resolveFormat, type ImportRequest } from './import-runner.js';
import { prepareLocalInput } from './local-file.js';
import { NumberedParams } from '../analyses/kernel/sql.js';
import { dropStage, stageFile, type Stage } from './stage.js';

export interface PreviewRow {
  readonly line: number;
  /** Stored columns with a value (events: person_id, event, timestamp, typed columns; persons: person_id, updated_at). */
  readonly values: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, string>>;
  /** Empty when the row would be stored. */
  readonly codes: readonly string[];
  readonly errors: readonly string[];
}

export interface ImportPreview {
  readonly file: string;
  readonly format: ImportFormat;
  readonly kind: ImportKind;
  /** CSV/TSV column names as read (null for NDJSON/Parquet, whose rows name their fields). */
  readonly columns: readonly string[] | null;
  /** The mapping in words, one line per stored field. */
  readonly mapping: readonly string[];
  readonly rows: readonly PreviewRow[];
}

export async function previewImport(req: Omit<ImportRequest, 'chunkRows' | 'signal' | 'onProgress'>, rows: number): Promise<ImportPreview> {
  const { store, spec } = req;
  requireLocalFiles(store);
  const format = resolveFormat(spec, req.fileName ?? req.path);
  const input = prepareLocalInput(req.path, format, req.fileName);
  let stage: Stage | undefined;
  try {
    stage = await stageFile(store, input, { format, delimiter: spec.delimiter, header: spec.header, columns: spec.columns }, randomBytes(8).toString('hex'), rows);
    const plan = planMapping(spec, stage.layout, req.project.timezone);
    const p = new NumberedParams('i');
    const nowMs = (req.now ?? Date.now)();
    const params = p.with({ project: req.project.projectId, lo: 0, hi: stage.rowSpan });
    let out: PreviewRow[];
    if (spec.kind === 'persons') {
      const mapped = mappedPersonsSql(store.database, stage, plan, nowMs, p);
      const found = await store.query<{ line: number; person_id: string; updated_at: string | null; properties: Record<string, string>; codes: string[]; errors: string[] }>(
        `SELECT toUInt32(line_no) AS line, person_id, toString(updated_at) AS updated_at, properties, codes, errors FROM ${mapped} ORDER BY row LIMIT {n:UInt32} SETTINGS ${MAPPED_SETTINGS}`,
        { ...p.with(params), n: rows },
      );
      out = found.map((r) => ({ line: r.line, values: nonEmpty({ person_id: r.person_id, updated_at: r.updated_at ?? '' }), properties: r.properties, codes: r.codes, errors: r.errors }));
    } else {
      const mapped = mappedEventsSql(store.database, stage, plan, '0'.repeat(64), p);
      const typed = plan.typed.map(([t]) => `, ${t}`).join('');
      const found = await store.query<Record<string, unknown> & { line: number; properties: Record<string, string>; codes: string[]; errors: string[] }>(
        `SELECT toUInt32(line_no) AS line, person_id, user_id, anonymous_id, event, ifNull(toString(timestamp), '') AS timestamp${typed}, properties, codes, errors
         FROM ${mapped} ORDER BY row LIMIT {n:UInt32} SETTINGS ${MAPPED_SETTINGS}`,
        { ...p.with(params), n: rows },
      );
      out = found.map(({ line, properties, codes, errors, ...values }) => ({
        line, properties, codes, errors, values: nonEmpty(values as Record<string, string>),
      }));
    }
    return {
      file: input.displayName, format, kind: spec.kind,
      columns: stage.layout.kind === 'positional' ? stage.layout.names : null,
      mapping: describeMapping(plan, stage.layout.kind === 'json'), rows: out,
    };
  } finally {
    if (stage) await dropStage(store, stage);
    input.dispose();
  }
}

function nonEmpty(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
}

export function describeMapping(plan: MappingPlan, json: boolean): string[] {
  const col = (c: string) => `${json ? 'field' : 'column'} "${c}"`;
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(12)} <- ${text}`);
  if (plan.kind === 'persons') {
    row('person_id', col(plan.person ?? ''));
    row('updated_at', plan.updatedAtColumn !== undefined ? col(plan.updatedAtColumn) : 'the import time');
  } else {
    if (plan.person !== undefined) row('user_id', col(plan.person));
    if (plan.anonymous !== undefined) row('anonymous_id', col(plan.anonymous));
    row('person_id', [plan.person, plan.anonymous].filter((c): c is string => c !== undefined).map(col).join(', else '));
    const e = plan.event;
    if (e) row('event', 'column' in e ? col(e.column) : `"${e.value}" for every row`);
    const t = plan.timestamp;
    if (t) {
      const how = `(${plan.timestampFormat}; times without an offset in ${plan.timezone})`;
      row('timestamp', 'column' in t ? `${col(t.column)} ${how}` : 'value' in t ? `${t.value} for every row` : `the person's property "${t.personProperty}" ${how}`);
    }
    for (const [typed, source] of plan.typed) {
      if (!json || plan.explicitTyped.includes(typed)) row(typed, col(source));
    }
    if (json) row('typed columns', 'fields of the same name (device_type, channel, country, ...)');
  }
  const props = plan.properties;
  row('properties', 'only' in props
    ? (props.only.length ? props.only.map(col).join(', ') : 'none')
    : `every other ${json ? 'field' : 'column'}${props.except.length ? ` (not ${props.except.map((c) => `"${c}"`).join(', ')})` : ''}`);
  return lines;
}
