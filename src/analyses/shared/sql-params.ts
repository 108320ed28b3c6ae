/**
 * Collects bound parameters while a compiler writes SQL: every value from a definition becomes a
 * `{pN:Type}` placeholder, so user text never reaches the SQL string.
 */
import type { ParamValue, QueryParams } from '../../store/store.js';

/** The placeholder types compilers use; a fixed vocabulary, never taken from input. */
export type ParamType = 'String' | 'Int64' | 'UInt32' | 'Float64' | 'UInt8' | 'Array(String)' | "DateTime64(3, 'UTC')";

export class SqlParams {
  private readonly values: Record<string, ParamValue> = {};
  private next = 0;

  /** Binds a value and returns its placeholder. Names never clash with `{project:String}`. */
  bind(type: ParamType, value: ParamValue): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  /** Binds and returns the bare name, for helpers that take a parameter name. */
  bindName(value: string): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return name;
  }

  /** All bound values merged with another fragment's parameters. */
  merged(other: QueryParams): QueryParams {
    return { ...other, ...this.values };
  }
}

/** Anything that binds a value and returns its placeholder (this class, the funnel's ParamBag). */
export interface Binder {
  bind(type: ParamType, value: ParamValue): string;
}

/** `{from}`/`{to}` as DateTime64 expressions from bound epoch milliseconds. */
export function instantSql(params: Binder, ms: number): string {
  return `fromUnixTimestamp64Milli(${params.bind('Int64', ms)}, 'UTC')`;
}

/**
 * `column` in [fromMs, toMs) (either bound may be null: open), repeated on the UTC day, which is
 * what the events table's sort key holds: the engine does not narrow `toDate(timestamp)` from
 * bounds on a DateTime64, so without the day conditions a one-day query reads every granule of
 * the month's parts (measured: 295 ms → 22 ms for two days of 100M events).
 */
export function timeRangeSql(params: Binder, fromMs: number | null, toMs: number | null, column = 'timestamp'): string {
  const conds: string[] = [];
  if (fromMs !== null) {
    const from = instantSql(params, fromMs);
    conds.push(`${column} >= ${from}`, `toDate(${column}) >= toDate(${from})`);
  }
  if (toMs !== null) {
    const to = instantSql(params, toMs);
    conds.push(`${column} < ${to}`, `toDate(${column}) <= toDate(${to})`);
  }
  return conds.length > 0 ? conds.join(' AND ') : '1';
}
