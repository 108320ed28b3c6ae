/** What an engagement (time on content) query asks for, validated once at the edge. */
import { z } from 'zod';
import type { SessionRules } from '../sessions/session-rules.js';
import { checkRange, sessionRules, sessionRulesShape } from '../sessions/session-rules.js';

export const MAX_KEYS = 8;

export const engagementDefinitionSchema = z
  .strictObject({
    ...sessionRulesShape,
    /** Events that are content views, e.g. flyer_open, item_open. */
    contentEvents: z.array(z.string().min(1)).min(1).max(100),
    /** Event properties that identify the content, e.g. merchant_id, flyer_id (per_item_day). */
    keys: z.array(z.string().min(1)).max(MAX_KEYS).optional(),
    /** Property holding an explicit dwell time for a view; it wins over the measured one. */
    durationProperty: z.string().min(1).optional(),
    /** Unit of durationProperty values. Default ms. */
    durationUnit: z.enum(['ms', 's']).optional(),
    /** "Still here" events: skipped when looking for the event that ends a view. */
    heartbeatEvents: z.array(z.string().min(1)).max(100).optional(),
    /** daily: per day; per_person_day: per day and person; per_item_day: per day and content key. */
    report: z.enum(['daily', 'per_person_day', 'per_item_day']).optional(),
  })
  .superRefine((def, ctx) => {
    checkRange(def, ctx);
    const keys = def.keys ?? [];
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'keys must be distinct' });
    const content = new Set(def.contentEvents);
    (def.heartbeatEvents ?? []).forEach((h, i) => {
      if (content.has(h)) {
        ctx.addIssue({ code: 'custom', path: ['heartbeatEvents', i], message: `"${h}" is also a content event` });
      }
    });
  });

export type EngagementDefinition = z.infer<typeof engagementDefinitionSchema>;
export type EngagementReport = 'daily' | 'per_person_day' | 'per_item_day';

export interface EngagementPlan {
  readonly rules: SessionRules;
  readonly contentEvents: readonly string[];
  readonly keys: readonly string[];
  readonly durationProperty: string | null;
  readonly durationUnit: 'ms' | 's';
  readonly heartbeatEvents: readonly string[];
  readonly report: EngagementReport;
}

export function planEngagement(def: EngagementDefinition): EngagementPlan {
  return {
    rules: sessionRules(def),
    contentEvents: def.contentEvents,
    keys: def.keys ?? [],
    durationProperty: def.durationProperty ?? null,
    durationUnit: def.durationUnit ?? 'ms',
    heartbeatEvents: def.heartbeatEvents ?? [],
    report: def.report ?? 'per_item_day',
  };
}

/** Whole digits, optionally a fraction; anything else is not a duration. */
export const DURATION_VALUE = /^[0-9]{1,12}([.][0-9]+)?$/;

/**
 * Milliseconds of an explicit duration value, or null. Seconds keep three fraction digits, the
 * rest is dropped (no floating point, so engine and reference agree to the millisecond).
 */
export function explicitDurationMs(value: string | undefined, unit: 'ms' | 's'): number | null {
  if (value === undefined || !DURATION_VALUE.test(value)) return null;
  const [whole = '', fraction = ''] = value.split('.');
  if (unit === 'ms') return Number(whole);
  return Number(whole) * 1000 + Number(`${fraction}000`.slice(0, 3));
}
