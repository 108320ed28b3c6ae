/**
 * The string-SQL entry points funnel and sessions still use, written over the kernel: a `Binder`
 * is the kernel's `ParamSink`, and `timeRangeSql` renders the kernel's `timeRange` fragment
 * through it, so there is one range rule and one way a value becomes a placeholder.
 */
import { legacyText } from '../kernel/legacy-text.js';
import { render, type ParamSink } from '../kernel/sql.js';
import { timeRange } from '../kernel/time-sql.js';

export type { ParamType } from '../kernel/sql.js';

/** Anything that binds a value and returns its placeholder (the kernel's NumberedParams). */
export type Binder = ParamSink;

/** The kernel's `timeRange` on a column the caller names in SQL text (e.g. `e.timestamp`). */
export function timeRangeSql(params: Binder, fromMs: number | null, toMs: number | null, column = 'timestamp'): string {
  return render(timeRange(fromMs, toMs, legacyText(column)), params);
}
