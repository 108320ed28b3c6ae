/**
 * What counts as a number in a text property: exactly JSON number syntax (`-12`, `0.5`,
 * `3e-2`) that is finite as a 64-bit float. Anything else (`" 5"`, `0x10`, `1_000`, `inf`, `01`,
 * `+1`, `1e400`) is not a number and is ignored by sums, averages and numeric comparisons. The
 * rule is spelled out here, not delegated to the engine's lenient text-to-float parser, so the
 * reference implementations can follow it exactly.
 */
import type { SqlParams } from './sql-params.js';

export const NUMBER_PATTERN = '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?$';
const NUMBER_RE = new RegExp(NUMBER_PATTERN);

/** The number a property text holds, or undefined. */
export function numericValue(text: string | undefined): number | undefined {
  if (text === undefined || !NUMBER_RE.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** SQL: Nullable(Float64) of a String expression under the same rule. */
export function numericSql(params: SqlParams, text: string): string {
  return `if(match(${text}, ${params.bind('String', NUMBER_PATTERN)}), toFloat64OrNull(${text}), NULL)`;
}
