/** What a retention query asks for, and what it answers. */
import { z } from 'zod';
import { filtersSchema } from '../shared/filters.js';
import { checkRange } from '../shared/range-checks.js';
import type { Interval } from '../shared/time-buckets.js';
import { timeInputSchema } from '../shared/time-range.js';

export const MAX_RETENTION_COHORTS = 400;

const name = z.string().min(1).max(200);

export const retentionDefinitionSchema = z
  .strictObject({
    /** The event whose first occurrence puts a person in a cohort; omitted = any event. */
    cohortEvent: name.optional(),
    /** The event that counts as coming back; omitted = any event. */
    returnEvent: name.optional(),
    interval: z.enum(['day', 'week', 'month']).default('week'),
    periods: z.number().int().min(1).max(60).default(8),
    /** Range of cohort entry (the first occurrence's timestamp). */
    from: timeInputSchema,
    to: timeInputSchema,
    filters: filtersSchema,
  })
  .superRefine((def, ctx) => checkRange(def, def.interval, MAX_RETENTION_COHORTS, ctx));

export type RetentionDefinition = z.output<typeof retentionDefinitionSchema>;

export interface RetentionCohort {
  /** Local date the cohort's bucket starts on. */
  readonly cohort: string;
  readonly start: string;
  readonly size: number;
  /**
   * `values[0]` is the cohort size, `values[k]` the members who did the return event in the k-th
   * bucket after the cohort's; null where that bucket starts after now (not observable yet).
   */
  readonly values: ReadonlyArray<number | null>;
  /** `values[k] / size`; null where the value is null or the cohort is empty. */
  readonly rates: ReadonlyArray<number | null>;
}

export interface RetentionResult {
  readonly interval: Exclude<Interval, 'hour'>;
  readonly periods: number;
  readonly timezone: string;
  readonly cohorts: readonly RetentionCohort[];
}
