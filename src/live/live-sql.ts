/**
 * SQL over the live tables. A window's pieces of one level are read together, one read per table
 * (one snapshot each), and every read returns, next to its counts, the largest log position it
 * aggregated (`x`): the reader compares it with the loader's position to tell whether a load it
 * has not heard of yet is already visible, and counts the in-memory tail from just after it.
 *
 * Values travel as bound parameters only; table names, columns and the small integers tagging
 * pieces come from the fixed vocabulary below.
 */
import type { QueryParams } from '../store/store.js';
import { ProjectScope } from '../analyses/kernel/scope.js';
import { NumberedParams, render } from '../analyses/kernel/sql.js';
import type { Level, LevelRead, TimeRange } from './live-window.js';

/** Which tables answer a target, by the filter it has. */
export type Family = 'event' | 'key' | 'value';

/** What to count: one event name (or all), narrowed to a property (any or some values). */
export interface LiveTarget {
  /** null: every event of the project. */
  readonly event: string | null;
  /** null: no property filter. */
  readonly key: string | null;
  /** With a key: the values counted one by one; null counts every event that has the key. */
  readonly values: readonly string[] | null;
}

interface TableSet {
  readonly tables: Partial<Record<Level, string>>;
  /** Property rows (prop = true, filtered by key) or the events' own rows (prop = false). */
  readonly property: boolean;
  readonly byValue: boolean;
}

// live_points answers every family: its primary key serves item lookups, its by_time projection
// (chosen by the engine) time ranges across items.
const FAMILIES: Record<Family, TableSet> = {
  event: { tables: { points: 'live_points', minutes: 'live_minutes' }, property: false, byValue: false },
  key: {
    tables: { points: 'live_points', minutes: 'live_minutes_by_time', hours: 'live_hours_by_time' },
    property: true,
    byValue: false,
  },
  value: { tables: { points: 'live_points', minutes: 'live_minutes' }, property: true, byValue: true },
};

const TIME_COLUMN: Record<Level, string> = { points: 'timestamp', minutes: 'minute', hours: 'hour' };

export function familyOf(target: LiveTarget): Family {
  if (target.key === null) return 'event';
  return target.values === null ? 'key' : 'value';
}

/** Granularities a family's tables offer, for `splitRange`. */
export function levelsOf(family: Family): Level[] {
  return Object.keys(FAMILIES[family].tables) as Level[];
}

export interface Statement {
  readonly sql: string;
  readonly params: Record<string, QueryParams[string]>;
}

function timeCondition(level: Level, range: TimeRange, params: NumberedParams): string {
  const column = TIME_COLUMN[level];
  if (level === 'points') {
    return `${column} >= fromUnixTimestamp64Milli(${params.bind('Int64', range.from)}, 'UTC') ` +
      `AND ${column} < fromUnixTimestamp64Milli(${params.bind('Int64', range.to)}, 'UTC')`;
  }
  // Bucket starts are whole minutes/hours, so whole seconds compare exactly.
  return `${column} >= toDateTime(${params.bind('Int64', range.from / 1000)}, 'UTC') ` +
    `AND ${column} < toDateTime(${params.bind('Int64', range.to / 1000)}, 'UTC')`;
}

function targetConditions(db: string, projectId: string, target: LiveTarget, params: NumberedParams): string[] {
  const family = FAMILIES[familyOf(target)];
  const conds = [render(new ProjectScope(db, projectId).guard(), params)];
  if (target.event !== null) conds.push(`event = ${params.bind('String', target.event)}`);
  conds.push(`prop = ${family.property ? 'true' : 'false'}`);
  if (family.property && target.key !== null) conds.push(`key = ${params.bind('String', target.key)}`);
  if (family.byValue && target.values !== null) conds.push(`value IN ${params.bind('Array(String)', [...target.values])}`);
  return conds;
}

function tableOf(family: Family, level: Level): string {
  const table = FAMILIES[family].tables[level];
  if (!table) throw new Error(`the ${family} tables have no ${level} level`);
  return table;
}

export interface CountGroup {
  readonly target: LiveTarget;
  readonly reads: readonly LevelRead[];
}

/** One target (g), one read of its window (read), one value: what the merge consumes. */
export interface CountRow {
  readonly g: number;
  readonly read: number;
  readonly value: string;
  readonly c: number;
  readonly x: number;
}

function rangesCondition(read: LevelRead, params: NumberedParams): string {
  const conds = read.ranges.map((r) => timeCondition(read.level, r, params));
  return conds.length === 1 ? conds[0]! : `((${conds.join(') OR (')}))`;
}

const COUNT: Record<Level, string> = { points: 'count()', minutes: 'sum(n)', hours: 'sum(n)' };
const MAX: Record<Level, string> = { points: 'max(log_position)', minutes: 'max(max_position)', hours: 'max(max_position)' };

/**
 * Counts of every target over every read of its window, in one statement. A single value (or no
 * value) is read without GROUP BY: aggregating by key costs the engine more than the lookup.
 * Output names never repeat a column's: an alias would shadow the column in WHERE.
 */
export function countStatement(db: string, projectId: string, groups: readonly CountGroup[]): Statement {
  const params = new NumberedParams('p');
  const selects: string[] = [];
  groups.forEach((group, g) => {
    const familyName = familyOf(group.target);
    const byValue = FAMILIES[familyName].byValue;
    const values = group.target.values ?? [];
    const single = byValue && values.length === 1;
    group.reads.forEach((read, r) => {
      const conds = [...targetConditions(db, projectId, single ? { ...group.target, values: null } : group.target, params), rangesCondition(read, params)];
      let v = `''`;
      if (single) {
        v = params.bind('String', values[0]!);
        conds.push(`value = ${v}`);
      } else if (byValue) {
        v = 'value';
      }
      selects.push(
        `SELECT toUInt32(${g}) AS g, toUInt32(${r}) AS r, ${v} AS v, toUInt64(${COUNT[read.level]}) AS c, toUInt64(${MAX[read.level]}) AS x ` +
          `FROM ${db}.${tableOf(familyName, read.level)} WHERE ${conds.join(' AND ')}${byValue && !single ? ' GROUP BY value' : ''}`,
      );
    });
  });
  // Only reads across items use the by_time projection; weighing it costs item lookups time.
  const settings = groups.some((g) => familyOf(g.target) === 'key') ? '' : '\nSETTINGS optimize_use_projections = 0';
  return { sql: selects.join('\nUNION ALL\n') + settings, params: params.with() };
}

/** The engine's rows of `countStatement`; a read over no rows (c = 0) says nothing and is left out. */
export function countRows(rows: ReadonlyArray<{ g: number | string; r: number | string; v: string; c: number | string; x: number | string }>): CountRow[] {
  return rows
    .filter((row) => Number(row.c) > 0)
    .map((row) => ({ g: Number(row.g), read: Number(row.r), value: row.v, c: Number(row.c), x: Number(row.x) }));
}

/** Row of `personsStatement` as the engine returns it (`v`: the value). */
export interface PersonsReadRow {
  readonly g: number;
  readonly v: string;
  readonly persons: number;
  readonly x: number;
  readonly seen: string[];
}

/** Distinct persons of one target and value, for the merge. */
export interface PersonsRow {
  readonly g: number;
  readonly value: string;
  readonly persons: number;
  readonly x: number;
  /** The given candidate persons this piece already counts. */
  readonly seen: string[];
}

/**
 * Distinct persons of each target over its whole window, read from per-event rows (exact, no
 * bucket can hold a set). `candidates` are the persons of the in-memory tail: the statement says
 * which of them it already counted so the union is exact.
 */
export function personsStatement(
  db: string,
  projectId: string,
  groups: ReadonlyArray<{ target: LiveTarget; range: TimeRange; candidates: readonly string[] }>,
): Statement {
  const params = new NumberedParams('p');
  const selects = groups.map((group, g) => {
    const familyName = familyOf(group.target);
    const family = FAMILIES[familyName];
    const conds = [...targetConditions(db, projectId, group.target, params), timeCondition('points', group.range, params)];
    const value = family.byValue ? 'value' : `''`;
    const tail = family.byValue ? 'GROUP BY value' : 'HAVING persons > 0';
    const candidates = params.bind('Array(String)', [...group.candidates]);
    return (
      `SELECT toUInt32(${g}) AS g, ${value} AS v, toUInt64(uniqExact(person_id)) AS persons, ` +
      `toUInt64(max(log_position)) AS x, groupUniqArrayIf(person_id, person_id IN ${candidates}) AS seen ` +
      `FROM ${db}.${tableOf(familyName, 'points')} WHERE ${conds.join(' AND ')} ${tail}`
    );
  });
  return { sql: selects.join('\nUNION ALL\n'), params: params.with() };
}

/** Every value of one event name (or all events) and property (or none): what a live view holds. */
export interface ViewFamily {
  readonly event: string | null;
  readonly key: string | null;
}

function familyConditions(db: string, projectId: string, family: ViewFamily, params: NumberedParams): string[] {
  return targetConditions(db, projectId, { event: family.event, key: family.key, values: null }, params);
}

/**
 * Per read, every value's count and the largest position aggregated, from the by-time tables, per
 * UTC day (`d`, days since 1970): the tables are partitioned by day, and an insert that spans
 * several partitions becomes visible one partition at a time, so a position tells what a read
 * holds only within one day.
 */
function valueCountSelects(db: string, projectId: string, family: ViewFamily, reads: readonly LevelRead[], params: NumberedParams): string[] {
  return reads.map((read, r) => {
    const conds = [...familyConditions(db, projectId, family, params), rangesCondition(read, params)];
    return (
      `SELECT toUInt32(${r}) AS r, value, toUInt32(toDate(${TIME_COLUMN[read.level]})) AS d, toUInt64(${COUNT[read.level]}) AS c, toUInt64(${MAX[read.level]}) AS x ` +
      `FROM ${db}.${tableOf('key', read.level)} WHERE ${conds.join(' AND ')} GROUP BY value, d`
    );
  });
}

/** Row of `topStatement`: a value's store count and, per read, the largest position it saw. */
export interface TopRow {
  readonly value: string;
  readonly c: number;
  readonly xs: number[];
}

/**
 * The store's side of a top list: every value in `pinned` (the tail's values, whose final rank
 * the tail may change) first, then the best others by count, value ascending on ties. `xs[r]` is
 * the largest position read r aggregated over all values, computed before the LIMIT cuts rows.
 */
export function topStatement(
  db: string,
  projectId: string,
  target: { event: string | null; key: string },
  reads: readonly LevelRead[],
  pinned: readonly string[],
  limit: number,
): Statement {
  const params = new NumberedParams('p');
  const selects = valueCountSelects(db, projectId, target, reads, params);
  if (selects.length === 0) return { sql: 'SELECT 1 WHERE 0', params: {} };
  // +1/−1 so a read without rows reports −1, not position 0 (a real position).
  const maxima = reads.map((_, r) => `maxIf(toInt64(x) + 1, r = ${r}) OVER () - 1`).join(', ');
  const pinnedParam = params.bind('Array(String)', [...pinned]);
  const sql =
    `SELECT value, toUInt64(sum(c)) AS c, any(xs) AS xs FROM (\n` +
    `  SELECT value, c, [${maxima}] AS xs FROM (\n${selects.join('\nUNION ALL\n')}\n  )\n` +
    `) GROUP BY value\n` +
    `ORDER BY value IN ${pinnedParam} DESC, c DESC, value ASC\n` +
    `LIMIT ${params.bind('UInt32', limit + pinned.length)}`;
  return { sql, params: params.with() };
}

/** Each value's timestamps (epoch ms) in `range` and the largest position read (a points view). */
export function pointsViewStatement(db: string, projectId: string, family: ViewFamily, range: TimeRange): Statement {
  const params = new NumberedParams('p');
  const conds = [...familyConditions(db, projectId, family, params), timeCondition('points', range, params)];
  const sql =
    `SELECT value, groupArray(toUnixTimestamp64Milli(timestamp)) AS ts, toUInt64(max(log_position)) AS x ` +
    `FROM ${db}.live_points WHERE ${conds.join(' AND ')} GROUP BY value`;
  return { sql, params: params.with() };
}

/** Each value's count per read of whole minutes or hours and UTC day, and the largest position read (a span view). */
export function spanViewStatement(db: string, projectId: string, family: ViewFamily, reads: readonly LevelRead[]): Statement {
  const params = new NumberedParams('p');
  const selects = valueCountSelects(db, projectId, family, reads, params);
  if (selects.length === 0) return { sql: 'SELECT 1 WHERE 0', params: {} };
  return { sql: selects.join('\nUNION ALL\n'), params: params.with() };
}
