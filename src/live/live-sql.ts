/**
 * SQL over the live tables. Every statement reads each table once (one snapshot per piece) and
 * returns, next to the counts, the largest log position it aggregated (`x`): the reader compares
 * it with the loader's position to tell whether a load it has not heard of yet is already
 * visible, and counts the in-memory tail from just after it.
 *
 * Values travel as bound parameters only; table names, columns and the small integers tagging
 * pieces come from the fixed vocabulary below.
 */
import type { QueryParams } from '../store/store.js';
import type { Level, TimeRange, WindowPart } from './live-window.js';

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

/** Accumulates bound parameters under generated names. */
class Params {
  readonly values: Record<string, QueryParams[string]> = {};
  private n = 0;
  bind(type: string, value: QueryParams[string]): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

function timeCondition(level: Level, range: TimeRange, params: Params): string {
  const column = TIME_COLUMN[level];
  if (level === 'points') {
    return `${column} >= fromUnixTimestamp64Milli(${params.bind('Int64', range.from)}, 'UTC') ` +
      `AND ${column} < fromUnixTimestamp64Milli(${params.bind('Int64', range.to)}, 'UTC')`;
  }
  // Bucket starts are whole minutes/hours, so whole seconds compare exactly.
  return `${column} >= toDateTime(${params.bind('Int64', range.from / 1000)}, 'UTC') ` +
    `AND ${column} < toDateTime(${params.bind('Int64', range.to / 1000)}, 'UTC')`;
}

function targetConditions(projectId: string, target: LiveTarget, params: Params): string[] {
  const family = FAMILIES[familyOf(target)];
  const conds = [`project_id = ${params.bind('String', projectId)}`];
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
  readonly parts: readonly WindowPart[];
}

/** Row of `countStatement`: one target (g), one piece of its window (part), one value. */
export interface CountRow {
  readonly g: number;
  readonly part: number;
  readonly value: string;
  readonly c: number;
  readonly x: number;
}

/**
 * One read per table: the pieces of a window that share a level (the two ragged ends, the two
 * runs of minutes around the hours) are read together and told apart by `part`. Each table read
 * has a fixed cost in the engine, so fewer reads is most of a counter's latency.
 */
function levelReads(parts: readonly WindowPart[], params: Params): Array<{ level: Level; where: string; part: string }> {
  const out: Array<{ level: Level; where: string; part: string }> = [];
  for (const level of ['points', 'minutes', 'hours'] as const) {
    const mine = parts.map((part, p) => ({ part, p })).filter((x) => x.part.level === level);
    if (mine.length === 0) continue;
    const conds = mine.map((x) => ({ p: x.p, cond: timeCondition(level, x.part, params) }));
    out.push({
      level,
      where: conds.length === 1 ? conds[0]!.cond : `((${conds.map((c) => c.cond).join(') OR (')}))`,
      part: conds.length === 1 ? `toUInt32(${conds[0]!.p})` : `toUInt32(multiIf(${conds.map((c) => `${c.cond}, ${c.p}`).join(', ')}, 255))`,
    });
  }
  return out;
}

const COUNT: Record<Level, string> = { points: 'count()', minutes: 'sum(n)', hours: 'sum(n)' };
const MAX: Record<Level, string> = { points: 'max(log_position)', minutes: 'max(max_position)', hours: 'max(max_position)' };

/** Counts of every target over every piece of its window, in one statement. */
export function countStatement(db: string, projectId: string, groups: readonly CountGroup[]): Statement {
  const params = new Params();
  const selects: string[] = [];
  groups.forEach((group, g) => {
    const familyName = familyOf(group.target);
    const family = FAMILIES[familyName];
    for (const read of levelReads(group.parts, params)) {
      const conds = [...targetConditions(projectId, group.target, params), read.where];
      const value = family.byValue ? 'value' : `''`;
      selects.push(
        `SELECT toUInt32(${g}) AS g, ${read.part} AS part, ${value} AS value, toUInt64(${COUNT[read.level]}) AS c, toUInt64(${MAX[read.level]}) AS x ` +
          `FROM ${db}.${tableOf(familyName, read.level)} WHERE ${conds.join(' AND ')} GROUP BY part${family.byValue ? ', value' : ''}`,
      );
    }
  });
  // Only reads across items use the by_time projection; weighing it costs item lookups time.
  const settings = groups.some((g) => familyOf(g.target) === 'key') ? '' : '\nSETTINGS optimize_use_projections = 0';
  return { sql: selects.join('\nUNION ALL\n') + settings, params: params.values };
}

/** Row of `personsStatement`. */
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
  const params = new Params();
  const selects = groups.map((group, g) => {
    const familyName = familyOf(group.target);
    const family = FAMILIES[familyName];
    const conds = [...targetConditions(projectId, group.target, params), timeCondition('points', group.range, params)];
    const value = family.byValue ? 'value' : `''`;
    const tail = family.byValue ? 'GROUP BY value' : 'HAVING persons > 0';
    const candidates = params.bind('Array(String)', [...group.candidates]);
    return (
      `SELECT toUInt32(${g}) AS g, ${value} AS value, toUInt64(uniqExact(person_id)) AS persons, ` +
      `toUInt64(max(log_position)) AS x, groupUniqArrayIf(person_id, person_id IN ${candidates}) AS seen ` +
      `FROM ${db}.${tableOf(familyName, 'points')} WHERE ${conds.join(' AND ')} ${tail}`
    );
  });
  return { sql: selects.join('\nUNION ALL\n'), params: params.values };
}

/** Row of `topStatement`: a value's store count and, per piece, the largest position read. */
export interface TopRow {
  readonly value: string;
  readonly c: number;
  readonly xs: number[];
}

/**
 * The store's side of a top list: every value in `pinned` (the tail's values, whose final rank
 * the tail may change) first, then the best others by count, value ascending on ties. `xs[p]` is
 * the largest position piece p aggregated over all values, computed before the LIMIT cuts rows.
 */
export function topStatement(
  db: string,
  projectId: string,
  target: { event: string | null; key: string },
  parts: readonly WindowPart[],
  pinned: readonly string[],
  limit: number,
): Statement {
  const params = new Params();
  const t: LiveTarget = { event: target.event, key: target.key, values: null };
  const selects = levelReads(parts, params).map((read) => {
    const conds = [...targetConditions(projectId, t, params), read.where];
    return (
      `SELECT ${read.part} AS part, value, toUInt64(${COUNT[read.level]}) AS c, toUInt64(${MAX[read.level]}) AS x ` +
      `FROM ${db}.${tableOf('key', read.level)} WHERE ${conds.join(' AND ')} GROUP BY part, value`
    );
  });
  if (selects.length === 0) return { sql: 'SELECT 1 WHERE 0', params: {} };
  // +1/−1 so a piece without rows reports −1, not position 0 (a real position).
  const maxima = parts.map((_, p) => `maxIf(toInt64(x) + 1, part = ${p}) OVER () - 1`).join(', ');
  const pinnedParam = params.bind('Array(String)', [...pinned]);
  const sql =
    `SELECT value, toUInt64(sum(c)) AS c, any(xs) AS xs FROM (\n` +
    `  SELECT value, c, [${maxima}] AS xs FROM (\n${selects.join('\nUNION ALL\n')}\n  )\n` +
    `) GROUP BY value\n` +
    `ORDER BY value IN ${pinnedParam} DESC, c DESC, value ASC\n` +
    `LIMIT ${params.bind('UInt32', limit + pinned.length)}`;
  return { sql, params: params.values };
}
