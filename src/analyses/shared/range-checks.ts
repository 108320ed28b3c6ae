/** Schema-level checks of a definition's `from`/`to` that every time-bucketed analysis shares. */
import type { z } from 'zod';
import { approximateRange } from './time-range.js';
import type { Interval } from './time-buckets.js';

const APPROX_MS: Record<Interval, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 28 * 86_400_000,
};

/**
 * Adds issues when `from` is not before `to` or the range would have more than `maxBuckets`
 * buckets. The span is judged with local times read as UTC, so the limit is approximate by a
 * bucket; the exact range is resolved in the project zone when the analysis runs.
 */
export function checkRange(
  def: { from: string; to: string },
  interval: Interval,
  maxBuckets: number,
  ctx: z.RefinementCtx,
): void {
  const r = approximateRange(def.from, def.to);
  if (!r) return;
  if (r.ordered === false) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be after `from`' });
  if (r.spanMs / APPROX_MS[interval] > maxBuckets + 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `range too long: at most ${maxBuckets} ${interval} buckets; use a coarser interval`,
    });
  }
}
