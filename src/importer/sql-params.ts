/**
 * Bound parameters for the import SQL: column names, constants and paths from a file or a person
 * always travel as `{iN:Type}` placeholders, never as SQL text.
 */
import type { ParamValue, QueryParams } from '../store/store.js';

/** Placeholder types the importer uses; a fixed vocabulary, never taken from input. */
export type ImportParamType = 'String' | 'UInt64' | 'Int64' | 'UInt32' | 'Array(String)' | 'UUID';

export class ImportParams {
  private readonly values: Record<string, ParamValue> = {};
  private next = 0;

  bind(type: ImportParamType, value: ParamValue): string {
    const name = `i${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  /** Everything bound so far, plus fixed named parameters (`project`, `lo`, `hi`). */
  with(extra: QueryParams = {}): QueryParams {
    return { ...this.values, ...extra };
  }
}
