/**
 * Splitting a chunk's events insert by partition. The engine refuses an INSERT block that touches
 * more than `max_partitions_per_insert_block` (default 100) partitions of one table, and every
 * table an insert into `events` writes counts on its own:
 *
 * - `events` is partitioned by month (`toYYYYMM(timestamp)`), so a file of ten years of history
 *   touches 120;
 * - the live tables fed from it by materialized views (`live_points`, then `live_minutes*`,
 *   `live_hours_by_time`) are partitioned by day and take every event newer than 8 days ago
 *   (store/migrations.ts), so future-dated rows on more than 100 days fail even within a month or
 *   two of `events`.
 *
 * Each good row therefore gets a partition unit: its month (`YYYYMM`) when it is older than the
 * live views' window can reach, else its day (`YYYYMMDD`; both UInt32, and the two ranges cannot
 * collide). A statement stores at most PARTITION_UNITS_PER_INSERT units, which bounds the
 * partitions it touches in `events` (days of one month share its partition) and in each live
 * table (only day units reach them). Raising the engine setting instead would still write one part
 * per partition per insert; splitting bounds every statement.
 *
 * The units are collected by the check query (one pass over the rows that is made anyway); the
 * filters are bound as Array(UInt32) parameters, never written into SQL text.
 */
import type { QueryParams } from '../store/store.js';

/**
 * Units (partitions) per INSERT statement. Below the engine's default limit of 100 with room to
 * spare: a unit list is read before the chunk is stored, and the last statement of a chunk takes
 * every row not in an earlier one (see `partitionGroups`), so a row whose time changed in between
 * (a time taken from a person property that another import just changed) still lands somewhere,
 * at the price of a few partitions more in that statement.
 */
export const PARTITION_UNITS_PER_INSERT = 90;

/**
 * Rows at least this far before the import's start are keyed by month. The live views take rows
 * newer than 8 days before their insert's `now()`, which is never earlier than the import's start,
 * so older rows never reach them; the two days more are room for a difference between this
 * process's clock and the engine's.
 */
export const DAY_UNITS_SINCE_MS = 10 * 86_400_000;

/** The partition unit of a stored row, given `timestamp` (non-null for good rows). */
export function partitionUnitSql(timestamp: string): string {
  return `if(assumeNotNull(${timestamp}) >= fromUnixTimestamp64Milli({day_units_from:Int64}, 'UTC'),
    toYYYYMMDD(assumeNotNull(${timestamp})), toYYYYMM(assumeNotNull(${timestamp})))`;
}

/** The parameter `partitionUnitSql` reads, for an import started at `startedMs`. */
export function partitionUnitParams(startedMs: number): QueryParams {
  return { day_units_from: startedMs - DAY_UNITS_SINCE_MS };
}

/** One INSERT of a chunk: a condition on the row's unit (empty: every row) and its parameters. */
export interface PartitionGroup {
  readonly where: string;
  readonly params: QueryParams;
}

/**
 * The statements that store rows with the given units: one with no condition when they fit,
 * else groups of at most PARTITION_UNITS_PER_INSERT units in ascending order (neighbouring months
 * together), the last of which takes every row outside the earlier groups, so that the groups
 * together always cover the whole chunk, whatever the units are by the time they run.
 */
export function partitionGroups(units: readonly number[], unitSql: string, perInsert = PARTITION_UNITS_PER_INSERT): PartitionGroup[] {
  const sorted = [...new Set(units)].sort((a, b) => a - b);
  if (sorted.length <= perInsert) return [{ where: '', params: {} }];
  const groups: PartitionGroup[] = [];
  for (let i = 0; i < sorted.length; i += perInsert) {
    const last = i + perInsert >= sorted.length;
    groups.push(last
      ? { where: `${unitSql} NOT IN {earlier_units:Array(UInt32)}`, params: { earlier_units: sorted.slice(0, i) } }
      : { where: `${unitSql} IN {units:Array(UInt32)}`, params: { units: sorted.slice(i, i + perInsert) } });
  }
  return groups;
}
