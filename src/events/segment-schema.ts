/**
 * Zod schemas of the Segment HTTP API messages (track, page, screen, identify, alias, group).
 *
 * Lenient where Segment is: unknown fields are accepted (and ignored), properties / traits /
 * context / integrations may hold any JSON, ids may be numbers (some SDKs send them) and are
 * coerced to their text, null means "absent". Strict where a message can never be stored
 * faithfully: wrong-typed ids, unparsable times, missing identity, a track without a name.
 *
 * Every issue carries `params.reason`, the short code the quarantine stores, and is raised at
 * the path of the offending field so callers can print `batch[3].event: required for track`.
 */
import { z } from 'zod';
import { isJsonObject, safeJson, type JsonObject } from './json-values.js';
import { STORABLE_RANGE_TEXT, isStorable, parseIsoTime } from './iso-time.js';

export const MESSAGE_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export function isMessageType(v: unknown): v is MessageType {
  return typeof v === 'string' && (MESSAGE_TYPES as readonly string[]).includes(v);
}

/** Segment documents messageId as at most 100 characters. */
export const MAX_MESSAGE_ID_LENGTH = 100;

/** A message after field parsing: ids as text, times as epoch ms, objects as given. */
export interface ParsedMessage {
  userId?: string | undefined;
  anonymousId?: string | undefined;
  messageId?: string | undefined;
  timestamp?: number | undefined;
  originalTimestamp?: number | undefined;
  sentAt?: number | undefined;
  properties?: JsonObject | undefined;
  traits?: JsonObject | undefined;
  context?: JsonObject | undefined;
  integrations?: JsonObject | undefined;
  event?: string | undefined;
  name?: unknown;
  category?: unknown;
  groupId?: string | undefined;
  previousId?: string | undefined;
}

type Ctx = z.core.$RefinementCtx<unknown>;

function issue(ctx: Ctx, reason: string, message: string, path?: PropertyKey[]): void {
  ctx.addIssue({ code: 'custom', message, params: { reason }, ...(path ? { path } : {}) });
}

/** Short, quoted excerpt of an offending value for an error message. */
function shown(v: unknown): string {
  const text = safeJson(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function idText(v: unknown, ctx: Ctx, reason: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  issue(ctx, reason, `must be a string or number, got ${shown(v)}`);
  return z.NEVER;
}

/** An optional id: string, or number coerced to text; '' and null count as absent. */
const optionalId = z.unknown().transform((v, ctx) => idText(v, ctx, 'invalid_id')).optional();

/** An id the message type cannot do without. */
function requiredId(reason: string, message: string) {
  return z.unknown().transform((v, ctx) => {
    const text = idText(v, ctx, 'invalid_id');
    if (text === undefined) {
      issue(ctx, reason, message);
      return z.NEVER;
    }
    return text;
  });
}

const messageId = z
  .unknown()
  .transform((v, ctx) => {
    const text = idText(v, ctx, 'invalid_id');
    if (text !== undefined && text.length > MAX_MESSAGE_ID_LENGTH) {
      issue(ctx, 'message_id_too_long', `longer than ${MAX_MESSAGE_ID_LENGTH} characters (${text.length})`);
      return z.NEVER;
    }
    return text;
  })
  .optional();

/** An ISO-8601 time as epoch ms; the reason names the field (`invalid_sentAt`). */
function time(field: 'timestamp' | 'sentAt' | 'originalTimestamp') {
  const reason = `invalid_${field}`;
  return z
    .unknown()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') {
        issue(ctx, reason, `expected an ISO-8601 date string, got ${shown(v)}`);
        return z.NEVER;
      }
      const ms = parseIsoTime(v);
      if (ms === undefined) {
        issue(ctx, reason, `unparsable ISO-8601 date ${shown(v)}`);
        return z.NEVER;
      }
      if (!isStorable(ms)) {
        issue(ctx, 'timestamp_out_of_range', `${shown(v)} is outside the storable range ${STORABLE_RANGE_TEXT}`);
        return z.NEVER;
      }
      return ms;
    })
    .optional();
}

/** Any JSON object, passed through untouched (no copy, so no key is ever reinterpreted). */
function jsonObject(field: string) {
  return z
    .unknown()
    .transform((v, ctx): JsonObject | undefined => {
      if (v === undefined || v === null) return undefined;
      if (isJsonObject(v)) return v;
      issue(ctx, `invalid_${field}`, `expected a JSON object, got ${shown(v)}`);
      return z.NEVER;
    })
    .optional();
}

const common = {
  userId: optionalId,
  anonymousId: optionalId,
  messageId,
  timestamp: time('timestamp'),
  originalTimestamp: time('originalTimestamp'),
  sentAt: time('sentAt'),
  properties: jsonObject('properties'),
  traits: jsonObject('traits'),
  context: jsonObject('context'),
  integrations: jsonObject('integrations'),
};

// Runs even when a field failed (so one response lists every problem), but only on objects.
// A field that failed holds zod's abort marker, which is not `undefined`: a malformed userId is
// reported as malformed, not additionally as missing.
const onObjects = { when: (payload: { value: unknown }) => isJsonObject(payload.value) };

function needsIdentity(m: { userId?: unknown; anonymousId?: unknown }, ctx: Ctx): void {
  if (m.userId === undefined && m.anonymousId === undefined) {
    issue(ctx, 'missing_identity', 'userId or anonymousId is required', ['userId']);
  }
}

const nonEmptyEventName = z.unknown().transform((v, ctx) => {
  if (v === undefined || v === null || v === '') {
    issue(ctx, 'missing_event', 'required for track');
    return z.NEVER;
  }
  if (typeof v !== 'string') {
    issue(ctx, 'invalid_event', `must be a non-empty string, got ${shown(v)}`);
    return z.NEVER;
  }
  if (v.trim() === '') {
    issue(ctx, 'missing_event', 'must not be blank');
    return z.NEVER;
  }
  return v;
});

export const trackSchema = z.object({ event: nonEmptyEventName, ...common }).superRefine(needsIdentity, onObjects);

const named = { ...common, name: z.unknown().optional(), category: z.unknown().optional() };
export const pageSchema = z.object(named).superRefine(needsIdentity, onObjects);
export const screenSchema = z.object(named).superRefine(needsIdentity, onObjects);

export const identifySchema = z.object(common).superRefine(needsIdentity, onObjects);

export const groupSchema = z
  .object({ ...common, groupId: requiredId('missing_group_id', 'required for group') })
  .superRefine(needsIdentity, onObjects);

/** alias links previousId to userId: both are required, anonymousId does not stand in. */
export const aliasSchema = z.object({
  ...common,
  userId: requiredId('missing_identity', 'required for alias'),
  previousId: requiredId('missing_previous_id', 'required for alias'),
});

/** Identity rules only, for a message whose type is unknown (so its other errors still show). */
export const untypedSchema = z.object(common).superRefine(needsIdentity, onObjects);

export const MESSAGE_SCHEMAS: Readonly<Record<MessageType, z.ZodType<ParsedMessage>>> = {
  track: trackSchema,
  page: pageSchema,
  screen: screenSchema,
  identify: identifySchema,
  group: groupSchema,
  alias: aliasSchema,
};

/** The batch envelope: `batch` plus the fields every item inherits. `writeKey` is the HTTP layer's. */
export const batchEnvelopeSchema = z.object({
  batch: z.unknown().transform((v, ctx): unknown[] => {
    if (Array.isArray(v)) return v;
    issue(ctx, 'invalid_batch', v === undefined ? 'required (an array of messages)' : `expected an array, got ${shown(v)}`);
    return z.NEVER;
  }),
  context: jsonObject('context'),
  integrations: jsonObject('integrations'),
  sentAt: time('sentAt'),
});
