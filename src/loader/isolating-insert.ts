/**
 * Inserts that find the rows the engine refuses instead of stopping at them.
 *
 * An insert the engine fails for a reason that lies in the rows (engine-errors.ts) is split in
 * halves and each half tried again, down to single rows. The rows that fail alone are returned
 * with the engine's reason, for the quarantine; every other row is stored. A failure that is not
 * about the rows (disk full) is thrown as it is, for the caller to retry the whole range later.
 *
 * An insert larger than one parsing chunk can store its first blocks before a later block fails,
 * so a caller whose table must not hold duplicates passes `alreadyStored`, asked after every
 * failed attempt which of its rows are there anyway.
 *
 * Cost: a range with one bad row among n is parsed about 2n rows' worth in 2·log2(n) inserts;
 * a range without one costs the single insert it always did.
 */
import type { Store } from '../store/store.js';
import { classifyInsertError, engineReason } from './engine-errors.js';

export interface RefusedRow {
  /** Index into the `lines` given. */
  readonly index: number;
  /** The engine's message for this row alone. */
  readonly reason: string;
}

export interface IsolatingInsertOptions {
  /** Prefix of the deduplication tokens; every attempt gets its own. */
  readonly token: string;
  /** Also isolate rows on errors the classifier does not know (after repeated failures). */
  readonly unknownIsData?: boolean;
  /** Which of these indexes are stored although their insert failed. */
  readonly alreadyStored?: (indexes: readonly number[]) => Promise<ReadonlySet<number>>;
}

export async function insertIsolating(
  store: Store,
  table: string,
  lines: readonly string[],
  options: IsolatingInsertOptions,
): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  let attempt = 0;
  const tryRows = async (indexes: readonly number[]): Promise<void> => {
    if (indexes.length === 0) return;
    try {
      await store.insertJsonRows(table, indexes.map((i) => lines[i]!).join('\n'), { dedupToken: `${options.token}-${attempt++}` });
      return;
    } catch (err) {
      const kind = classifyInsertError(err);
      if (kind === 'transient' || (kind === 'unknown' && !options.unknownIsData)) throw err;
      if (indexes.length === 1) {
        refused.push({ index: indexes[0]!, reason: engineReason(err) });
        return;
      }
      let rest = indexes;
      if (options.alreadyStored) {
        const stored = await options.alreadyStored(indexes);
        if (stored.size > 0) rest = indexes.filter((i) => !stored.has(i));
      }
      const mid = Math.ceil(rest.length / 2);
      await tryRows(rest.slice(0, mid));
      await tryRows(rest.slice(mid));
    }
  };
  await tryRows(lines.map((_, i) => i));
  return refused.sort((a, b) => a.index - b.index);
}

/**
 * Groups items so that no group spans more than `maxPartitions` partition keys. Items of one key
 * stay in their order; groups follow the keys' sorted order.
 */
export function groupByPartition<T>(items: readonly T[], keyOf: (item: T) => string, maxPartitions: number): T[][] {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = byKey.get(key);
    if (list) list.push(item);
    else byKey.set(key, [item]);
  }
  if (byKey.size <= maxPartitions) return byKey.size === 0 ? [] : [items.slice()];
  const keys = [...byKey.keys()].sort();
  const groups: T[][] = [];
  for (let i = 0; i < keys.length; i += maxPartitions) {
    groups.push(keys.slice(i, i + maxPartitions).flatMap((k) => byKey.get(k)!));
  }
  return groups;
}
