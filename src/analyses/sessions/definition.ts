/** What a sessions query asks for, validated once at the edge. */
import { z } from 'zod';
import { durationMs, durationOrMsSchema } from '../shared/duration.js';
import type { SessionRules } from './session-rules.js';
import { checkRange, MAX_SESSION_DURATION_MS, sessionRules, sessionRulesShape } from './session-rules.js';

const eventNames = z.array(z.string().min(1)).min(1).max(100);

export const DEFAULT_LIST_LIMIT = 1000;

export const sessionsDefinitionSchema = z
  .strictObject({
    ...sessionRulesShape,
    /** A session "has intent" if it contains any of these events (e.g. search, scooter_selected). */
    intent: z.strictObject({ events: eventNames }).optional(),
    /** A session "has success" if it contains any of these events (e.g. ride_started). */
    success: z
      .strictObject({
        events: eventNames,
        /** Count success only when a success event comes after the session's first intent event. */
        afterIntent: z.boolean().optional(),
      })
      .optional(),
    /** A session is a bounce if it has one event, or (when set) lasts less than this. */
    bounce: z.strictObject({ shorterThan: durationOrMsSchema(0, MAX_SESSION_DURATION_MS).optional() }).optional(),
    /** `daily`: one row per local date of session start; `list`: one row per session. */
    view: z.enum(['daily', 'list']).optional(),
    list: z
      .strictObject({
        hasIntent: z.boolean().optional(),
        hasSuccess: z.boolean().optional(),
        device: z.string().optional(),
        channel: z.string().optional(),
        personId: z.string().optional(),
        limit: z.number().int().min(1).max(1_000_000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .optional(),
  })
  .superRefine((def, ctx) => {
    checkRange(def, ctx);
    if (def.success?.afterIntent && !def.intent) {
      ctx.addIssue({ code: 'custom', path: ['success', 'afterIntent'], message: 'afterIntent needs "intent" events' });
    }
  });

export type SessionsDefinition = z.infer<typeof sessionsDefinitionSchema>;

/** The definition with defaults applied; what the compiler and the reference both read. */
export interface SessionsPlan {
  readonly rules: SessionRules;
  readonly intentEvents: readonly string[];
  readonly successEvents: readonly string[];
  readonly successAfterIntent: boolean;
  /** null = only one-event sessions bounce. */
  readonly bounceShorterThanMs: number | null;
  readonly view: 'daily' | 'list';
  readonly list: {
    readonly hasIntent: boolean | null;
    readonly hasSuccess: boolean | null;
    readonly device: string | null;
    readonly channel: string | null;
    readonly personId: string | null;
    /** null = no limit (exports); run() applies DEFAULT_LIST_LIMIT. */
    readonly limit: number | null;
    readonly offset: number;
  };
}

export function planSessions(def: SessionsDefinition): SessionsPlan {
  const l = def.list ?? {};
  return {
    rules: sessionRules(def),
    intentEvents: def.intent?.events ?? [],
    successEvents: def.success?.events ?? [],
    successAfterIntent: def.success?.afterIntent ?? false,
    bounceShorterThanMs: def.bounce?.shorterThan === undefined ? null : durationMs(def.bounce.shorterThan),
    view: def.view ?? 'daily',
    list: {
      hasIntent: l.hasIntent ?? null,
      hasSuccess: l.hasSuccess ?? null,
      device: l.device ?? null,
      channel: l.channel ?? null,
      personId: l.personId ?? null,
      limit: l.limit ?? null,
      offset: l.offset ?? 0,
    },
  };
}
