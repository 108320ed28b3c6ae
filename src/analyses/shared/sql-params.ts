/**
 * Collects bound parameters while a compiler writes SQL: every value from a definition becomes a
 * `{pN:Type}` placeholder, so user text never reaches the SQL string.
 */
import type { ParamValue, QueryParams } from '../../store/store.js';

/** The placeholder types compilers use; a fixed vocabulary, never taken from input. */
export type ParamType = 'String' | 'Int64' | 'UInt32' | 'Float64' | 'UInt8' | 'Array(String)';

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

/** `{from}`/`{to}` as DateTime64 expressions from bound epoch milliseconds. */
export function instantSql(params: SqlParams, ms: number): string {
  return `fromUnixTimestamp64Milli(${params.bind('Int64', ms)}, 'UTC')`;
}
