/** What a trends query asks for, and what it answers. */
import { z } from 'zod';
import { filtersSchema } from '../shared/filters.js';
import { COLUMN_NAMES, isColumnName } from '../shared/columns.js';
import { intervalSchema, type Interval } from '../shared/time-buckets.js';
import { timeInputSchema } from '../shared/time-range.js';
import { checkRange } from '../shared/range-checks.js';

export const MAX_TRENDS_BUCKETS = 5000;

const name = z.string().min(1).max(200);

const measureSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('count') }),
  z.strictObject({ type: z.literal('persons') }),
  z.strictObject({ type: z.enum(['sum', 'avg']), property: name }),
]);

const breakdownSchema = z
  .strictObject({
    source: z.enum(['event', 'person', 'column']).default('event'),
    property: name,
    limit: z.number().int().min(1).max(50).default(10),
  })
  .superRefine((b, ctx) => {
    if (b.source === 'column' && !isColumnName(b.property)) {
      ctx.addIssue({ code: 'custom', path: ['property'], message: `column must be one of ${COLUMN_NAMES.join(', ')}` });
    }
  });

export const trendsDefinitionSchema = z
  .strictObject({
    /** One event name, several, or omitted for every event. */
    event: z.union([name, z.array(name).min(1).max(50)]).optional(),
    measure: measureSchema.default({ type: 'count' }),
    interval: intervalSchema.default('day'),
    from: timeInputSchema,
    to: timeInputSchema,
    filters: filtersSchema,
    breakdown: breakdownSchema.optional(),
    compare: z.boolean().default(false),
  })
  .superRefine((def, ctx) => checkRange(def, def.interval, MAX_TRENDS_BUCKETS, ctx));

export type TrendsDefinition = z.output<typeof trendsDefinitionSchema>;
export type TrendsMeasure = TrendsDefinition['measure'];
export type TrendsBreakdown = NonNullable<TrendsDefinition['breakdown']>;

export interface TrendsBucket {
  /** Local date (`2024-03-10`) or local hour (`2024-03-10 14:00`) the bucket starts at. */
  readonly label: string;
  /** The bucket's first instant, ISO UTC. */
  readonly start: string;
}

/**
 * One line of the chart. `total` when there is no breakdown; `value` for one breakdown value
 * (`value: null` groups events where the property is not set); `other` for the rest.
 */
export interface TrendsSeries {
  readonly kind: 'total' | 'value' | 'other';
  readonly value: string | null;
  readonly label: string;
  /** One number per bucket; `avg` is null for a bucket without numeric values. */
  readonly values: ReadonlyArray<number | null>;
}

export interface TrendsPeriod {
  readonly from: string;
  readonly to: string;
  readonly buckets: readonly TrendsBucket[];
  readonly series: readonly TrendsSeries[];
}

export interface TrendsResult {
  readonly interval: Interval;
  readonly measure: TrendsMeasure;
  readonly timezone: string;
  readonly current: TrendsPeriod;
  /** With `compare`: the same range moved back by as many intervals as it has buckets. */
  readonly previous?: TrendsPeriod;
}
