/**
 * Imports one file: stage it, map and check every row in SQL, refuse the whole import when more
 * rows are bad than maxErrors allows, else store it chunk by chunk (chunk-store.ts) so an
 * interrupted import is completed by running it again.
 *
 * Event ids derive from the project, the file's SHA-256, the row number and what the mapping
 * supplies that is not in the file (a constant event name or timestamp, a timestamp taken from
 * persons): the same row of the same file imported the same way is always the same event, while
 * two page files with identical contents but different `--event` names are different events.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';
import { chunkDoneMarker, importStartMarker, storeChunk, storedMarkers, storeMarker, type ChunkCounts, type ChunkJob, type ChunkRange } from './chunk-store.js';
import { formatFromName, type ImportFormat, type ImportSpec } from './import-spec.js';
import { ImportError } from './import-error.js';
import type { ImportProgress, ImportSummary, RejectedSample } from './import-summary.js';
import { fileSha256, prepareLocalInput, type LocalInput } from './local-file.js';
import { planMapping } from './mapping-plan.js';
import { MAPPED_SETTINGS, mappedEventsSql, mappedPersonsSql } from './mapping-sql.js';
import { partitionUnitParams, partitionUnitSql } from './partition-groups.js';
import { NumberedParams } from '../analyses/kernel/sql.js';
import { dropStage, dropStaleStages, stageFile, stageTableName, type Stage } from './stage.js';

export interface ImportProject {
  readonly projectId: string;
  readonly timezone: string;
}

export interface ImportRequest {
  readonly store: Store;
  readonly project: ImportProject;
  /** The file on this machine. */
  readonly path: string;
  /** Name shown in summaries and the quarantine, and used to infer the format (default: the path's). */
  readonly fileName?: string | undefined;
  readonly spec: ImportSpec;
  /** Rows per stored chunk (the unit of progress and of resumption). */
  readonly chunkRows?: number | undefined;
  /** Quarantined payloads are cut to this many characters. */
  readonly payloadChars?: number | undefined;
  readonly now?: (() => number) | undefined;
  /** Aborting stops the import between two chunks. */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((p: ImportProgress) => void) | undefined;
}

export const DEFAULT_CHUNK_ROWS = 500_000;
const SAMPLE_ROWS = 10;

/** Staging tables and import keys of imports running in this process. */
const ACTIVE = new Set<string>();

export function resolveFormat(spec: ImportSpec, fileName: string): ImportFormat {
  const format = spec.format ?? formatFromName(fileName);
  if (!format) throw new ImportError(`cannot tell the format of ${fileName} from its name; give it with format (--format csv|tsv|ndjson|parquet)`);
  return format;
}

export function requireLocalFiles(store: Store): void {
  // Another engine (a remote server) would need the bytes streamed into the staging table
  // instead; the staging step is the only place that reads the file.
  if (!store.capabilities.localFileTableFunction) {
    throw new ImportError('this store cannot read files from the local disk, so it cannot import files yet', 501);
  }
}

export function importKeyOf(projectId: string, spec: ImportSpec, fileSha: string): string {
  const parts = [projectId, spec.kind, fileSha, spec.event ?? '', spec.timestamp ?? '', spec.timestampFrom ?? ''];
  return createHash('sha256').update(parts.map((p) => `${p.length}:${p}`).join('')).digest('hex');
}

export async function runImport(req: ImportRequest): Promise<ImportSummary> {
  const { store, spec } = req;
  requireLocalFiles(store);
  const now = req.now ?? Date.now;
  const started = now();
  const format = resolveFormat(spec, req.fileName ?? req.path);
  const input = prepareLocalInput(req.path, format, req.fileName);
  try {
    // The staging table is named after the file on disk (path, size, mtime), so a rerun after a
    // crash replaces the one the crash left; the content hash runs meanwhile, beside the engine.
    const table = stageTableName(importKeyOf(req.project.projectId, spec, input.identity).slice(0, 16));
    if (ACTIVE.has(table)) throw new ImportError(`${input.displayName} is already being imported into this project`, 409);
    ACTIVE.add(table);
    let stage: Stage | undefined;
    let key: string | undefined;
    try {
      await dropStaleStages(store, ACTIVE);
      req.onProgress?.({ phase: 'reading', rowsDone: 0, rowsTotal: 0 });
      const read = { format, delimiter: spec.delimiter, header: spec.header, columns: spec.columns };
      const [sha, staged] = await Promise.all([fileSha256(req.path), stageFile(store, input, read, table.slice('import_stage_'.length))]);
      stage = staged;
      // Two runs of one import at once (two uploads of the same file) would both store it.
      key = importKeyOf(req.project.projectId, spec, sha);
      if (ACTIVE.has(key)) throw new ImportError(`${input.displayName} is already being imported into this project`, 409);
      ACTIVE.add(key);
      return await checkAndStore(req, input, stage, format, key, started);
    } finally {
      if (stage) await dropStage(store, stage);
      ACTIVE.delete(table);
      if (key !== undefined) ACTIVE.delete(key);
    }
  } finally {
    input.dispose();
  }
}

interface ChunkCount extends ChunkCounts {
  readonly range: ChunkRange;
}

async function checkAndStore(req: ImportRequest, input: LocalInput, stage: Stage, format: ImportFormat, key: string, started: number): Promise<ImportSummary> {
  const { store, spec } = req;
  const now = req.now ?? Date.now;
  const receivedAt = now();
  const chunkRows = Math.max(1, Math.floor(req.chunkRows ?? DEFAULT_CHUNK_ROWS));
  const plan = planMapping(spec, stage.layout, req.project.timezone);
  const p = new NumberedParams('i');
  const mapped = spec.kind === 'persons'
    ? mappedPersonsSql(store.database, stage, plan, receivedAt, p)
    : mappedEventsSql(store.database, stage, plan, key, p);
  // The partition units (partition-groups.ts) depend on when the import started: bound once, so
  // the check and every insert agree.
  const mappedParams = p.with(spec.kind === 'events' ? partitionUnitParams(receivedAt) : {});
  const all = { ...mappedParams, project: req.project.projectId, lo: 0, hi: stage.rowSpan };

  req.onProgress?.({ phase: 'checking', rowsDone: 0, rowsTotal: stage.rowSpan });
  // Per chunk and reason: the rows, and for events the partition units of the good ones, which
  // decide how the chunk's insert is split.
  const units = spec.kind === 'events' ? `groupUniqArrayIf(${partitionUnitSql('timestamp')}, problem = '')` : 'CAST([] AS Array(UInt32))';
  const groups = await store.query<{ k: string; reason: string; n: string; units: number[] }>(
    `SELECT toString(intDiv(row, {chunk:UInt64})) AS k, problem AS reason, toString(count()) AS n, ${units} AS units
     FROM ${mapped} GROUP BY k, reason SETTINGS ${MAPPED_SETTINGS}`,
    { ...all, chunk: chunkRows },
  );
  const reasons: Record<string, number> = {};
  const goodPerChunk = new Map<number, number>();
  const rowsPerChunk = new Map<number, number>();
  const unitsPerChunk = new Map<number, number[]>();
  let rowsRead = 0;
  for (const g of groups) {
    const n = Number(g.n);
    const k = Number(g.k);
    rowsRead += n;
    rowsPerChunk.set(k, (rowsPerChunk.get(k) ?? 0) + n);
    if (g.reason === '') {
      goodPerChunk.set(k, (goodPerChunk.get(k) ?? 0) + n);
      unitsPerChunk.set(k, g.units.map(Number));
    } else reasons[g.reason] = (reasons[g.reason] ?? 0) + n;
  }
  const rejected = Object.values(reasons).reduce((a, b) => a + b, 0);
  const samples = rejected === 0 ? [] : await store.query<RejectedSample>(
    `SELECT toUInt32(line_no) AS line, problem AS reason, errors FROM ${mapped} WHERE problem != '' ORDER BY row LIMIT ${SAMPLE_ROWS} SETTINGS ${MAPPED_SETTINGS}`,
    all,
  );
  const sortedReasons = Object.fromEntries(Object.entries(reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const summary = (outcome: ImportSummary['outcome'], stored: number, alreadyStored: number): ImportSummary => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    return {
      file: input.displayName, format, kind: spec.kind, outcome, rowsRead, stored, alreadyStored, rejected,
      maxErrors: spec.maxErrors, reasons: sortedReasons, samples, seconds, rowsPerSecond: rowsRead / seconds,
    };
  };
  if (rejected > spec.maxErrors) return summary('too_many_errors', 0, 0);

  const chunks: ChunkCount[] = [];
  for (let lo = 0; lo < stage.rowSpan; lo += chunkRows) {
    const k = lo / chunkRows;
    chunks.push({ range: { lo, hi: Math.min(stage.rowSpan, lo + chunkRows) }, rows: rowsPerChunk.get(k) ?? 0, good: goodPerChunk.get(k) ?? 0, units: unitsPerChunk.get(k) ?? [] });
  }
  const startMarker = importStartMarker(key);
  const markers = await storedMarkers(store, req.project.projectId, [startMarker, ...chunks.map((c) => chunkDoneMarker(key, c.range))]);
  const resuming = markers.has(startMarker);
  if (!resuming && chunks.length > 0) await storeMarker(store, req.project.projectId, startMarker);
  const job: ChunkJob = {
    store, projectId: req.project.projectId, importKey: key, mapped, params: mappedParams, kind: spec.kind,
    typed: plan.typed.map(([t]) => t), receivedAtMs: receivedAt, fileName: input.displayName, payloadChars: req.payloadChars ?? 8192,
    linksIdentities: plan.person !== undefined && plan.anonymous !== undefined,
  };
  let stored = 0;
  let already = 0;
  req.onProgress?.({ phase: 'storing', rowsDone: 0, rowsTotal: stage.rowSpan });
  for (const chunk of chunks) {
    if (markers.has(chunkDoneMarker(key, chunk.range))) {
      already += chunk.good;
    } else {
      if (req.signal?.aborted) return summary('interrupted', stored, already);
      const result = await storeChunk(job, chunk.range, chunk, resuming);
      stored += result.stored;
      already += result.already;
    }
    req.onProgress?.({ phase: 'storing', rowsDone: chunk.range.hi, rowsTotal: stage.rowSpan });
  }
  return summary('completed', stored, already);
}
