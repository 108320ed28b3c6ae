/**
 * What counts as a number in a text property, for numeric filters (gt, gte, lt, lte) and for
 * sums and averages alike: an optional minus, decimal digits (leading zeros allowed: `01` is 1,
 * `007.50` is 7.5), an optional fraction after a point, an optional exponent (`3e-2`, `1E3`),
 * whose value is finite as a 64-bit float. Anything else (`" 5"`, `0x10`, `1_000`, `inf`, `+1`,
 * `.5`, `5.`, `1e400`, `""`) is not a number and is ignored by sums, averages and numeric
 * comparisons. The rule is spelled out here, not delegated to the engine's lenient text-to-float
 * parser, so the reference implementations can follow it exactly.
 */
import { str, sql, type Fragment } from '../kernel/sql.js';

export const NUMBER_PATTERN = '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$';
const NUMBER_RE = new RegExp(NUMBER_PATTERN);

/** The number a property text holds, or undefined. */
export function numericValue(text: string | undefined): number | undefined {
  if (text === undefined || !NUMBER_RE.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * SQL: Nullable(Float64) of a String expression under the same rule. The engine reads `1e400`
 * as inf, so the finite check is explicit, as in `numericValue`.
 */
export function numericOf(text: Fragment): Fragment {
  return sql`if(match(${text}, ${str(NUMBER_PATTERN)}) AND isFinite(toFloat64OrZero(${text})), toFloat64OrNull(${text}), NULL)`;
}
