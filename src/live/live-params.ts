/**
 * Request shapes of the live endpoints, validated once at the edge. Query strings arrive as
 * strings (arrays when a name repeats); bodies as JSON.
 */
import { z } from 'zod';
import { parseWindow } from './live-window.js';

const windowText = z.string().transform((text, ctx) => {
  const parsed = parseWindow(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return { text: text.trim(), ms: parsed.ms };
});

/** '' and absent both mean "every event": a track event name is never blank. */
const eventName = z.string().max(1000).optional().transform((e) => (e === undefined || e === '' ? null : e));
const propertyKey = z.string().min(1, 'must not be empty').max(1000);
const flag = z.enum(['true', 'false', '1', '0', '']).optional().transform((f) => f === 'true' || f === '1');
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export const countQuery = z.object({
  event: eventName,
  key: propertyKey.optional(),
  value: oneOrMany.pipe(z.array(z.string().max(10_000)).max(1000, 'at most 1000 values per request')).optional(),
  window: windowText,
  persons: flag,
}).refine((q) => q.value === undefined || q.key !== undefined, { message: 'value needs a key', path: ['value'] });

export const countsBody = z.object({
  window: windowText,
  persons: z.boolean().default(false),
  counters: z.array(z.object({
    event: z.string().max(1000).nullable().optional().transform((e) => (e === undefined || e === null || e === '' ? null : e)),
    key: propertyKey.nullable().optional().transform((k) => k ?? null),
    value: z.string().max(10_000).nullable().optional().transform((v) => v ?? null),
  }).refine((c) => c.value === null || c.key !== null, { message: 'value needs a key', path: ['value'] }))
    .min(1)
    .max(1000),
});

export const topQuery = z.object({
  event: eventName,
  key: propertyKey,
  window: windowText,
  limit,
  /** A second event counted per listed value, side by side (e.g. views and purchases). */
  second: z.string().min(1).max(1000).optional(),
});

export const isTopQuery = z.object({
  event: eventName,
  key: propertyKey,
  value: z.string().max(10_000),
  window: windowText,
  limit,
});

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time').transform((s) => Date.parse(s));

export const historyQuery = z.object({
  event: z.string().min(1).max(1000),
  key: propertyKey,
  from: isoTime.optional(),
  to: isoTime.optional(),
});

export const scheduleBody = z.object({
  event: z.string().min(1).max(1000),
  key: propertyKey,
  window: windowText.default({ text: '4h', ms: 4 * 3_600_000 }),
  limit: z.number().int().min(1).max(1000).default(100),
  every: z.string().default('4h').transform((text, ctx) => {
    const m = /^(\d{1,6})(m|h|d)$/.exec(text.trim());
    const ms = m ? Number(m[1]) * ({ m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[m[2]!]! : NaN;
    if (!(ms >= 60_000 && ms <= 30 * 86_400_000)) {
      ctx.addIssue({ code: 'custom', message: `every "${text}" must be a duration from 1m to 30d, like 30m, 4h or 1d` });
      return z.NEVER;
    }
    return ms;
  }),
  second: z.string().min(1).max(1000).optional(),
});

export const scheduleKey = z.object({
  event: z.string().min(1).max(1000),
  key: propertyKey,
});
