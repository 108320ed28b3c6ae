/**
 * Segment HTTP API payloads → event rows, or precise rejections for the quarantine.
 *
 * Conventions (docs/events.md has the full list):
 *  - `event`: a track call's name; page → `page_view`, screen → `screen_view` (the page/screen
 *    name goes to properties.name, a page's category to properties.category); identify →
 *    `identify`, alias → `alias` (properties.previousId), group → `group` (properties.groupId).
 *  - person_id = userId, else anonymousId; aliases are resolved at query time, not here.
 *  - Time: with sentAt, timestamp = receivedAt − (sentAt − timestamp) (device clock skew);
 *    without a timestamp, receivedAt. More than 23 h ahead of receivedAt → receivedAt and
 *    timestamp_clamped. Historical imports keep the timestamp as given (still clamped).
 *  - Batch-level context / integrations / sentAt apply to every item; an item's own values win,
 *    and context objects (page, campaign, device, ...) are merged one level deep.
 */
import { toSqlTime, type EventRow } from './event-row.js';
import { eventIdFromContent, eventIdFromMessageId } from './event-id.js';
import { STORABLE_RANGE_TEXT, isStorable } from './iso-time.js';
import { MAX_NESTING_DEPTH, boundedJson, pathTooDeep } from './json-limits.js';
import { encodeMap, encodeValue, isJsonObject, objectAt, own, safeJson, truncateText, type JsonObject } from './json-values.js';
import { remainingContext, typedColumns } from './columns.js';
import {
  MESSAGE_SCHEMAS, batchEnvelopeSchema, isMessageType, untypedSchema,
  type MessageType, type ParsedMessage,
} from './segment-schema.js';

export const DEFAULT_MAX_EVENT_BYTES = 32_768;
export const DEFAULT_MAX_PAYLOAD_CHARS = 8_192;
/** Device clocks run fast by minutes, not days: further ahead than this is a broken clock. */
export const FUTURE_TOLERANCE_MS = 23 * 3_600_000;

export interface NormalizeContext {
  readonly projectId: string;
  /** Server receive time, epoch ms. */
  readonly receivedAt: number;
  /** Largest JSON size of one message in UTF-8 bytes (default 32768, Segment's limit). */
  readonly maxEventBytes?: number;
  /** Quarantined payloads are cut to this many characters (default 8192). */
  readonly maxPayloadChars?: number;
  /** Set by single-message endpoints (/v1/track, ...): the endpoint decides the type. */
  readonly type?: MessageType;
  /** /v1/import: timestamps are historical and used as given, without clock-skew correction. */
  readonly historical?: boolean;
}

export type NormalizeResult =
  | { ok: true; row: EventRow }
  | { ok: false; reason: string; errors: string[] };

export interface RejectedItem {
  /** Position in `batch`; -1 when the envelope itself is unusable and no item was read. */
  index: number;
  reason: string;
  errors: string[];
  payload: string;
  payloadTruncated: boolean;
}

export interface BatchResult {
  rows: EventRow[];
  rejected: RejectedItem[];
}

/** Defaults every item of a batch inherits. */
interface Envelope {
  context?: JsonObject | undefined;
  integrations?: JsonObject | undefined;
  sentAt?: number | undefined;
}

interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly params?: Record<string, unknown> | undefined;
}

/** One message from a single-message endpoint (or /v1/import item-by-item). Never throws. */
export function normalizeMessage(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  return guarded(() => normalizeItem(raw, ctx, '', {}), 'body');
}

/**
 * A message that makes normalization throw is a bug here, not the sender's fault, but it must
 * cost only that message: it is rejected (and so quarantined) with the error's first line, and
 * the rest of the batch goes on.
 */
function guarded(run: () => NormalizeResult, root: string): NormalizeResult {
  try {
    return run();
  } catch (err) {
    const first = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0];
    return { ok: false, reason: 'unprocessable', errors: [`${root}: could not be normalized (${first})`] };
  }
}

/**
 * A /v1/batch (or /v1/import) body. Each item is judged on its own, so a bad item never costs
 * the good ones; rows keep the order of the accepted items. Never throws.
 */
export function normalizeBatch(body: unknown, ctx: NormalizeContext): BatchResult {
  const maxChars = ctx.maxPayloadChars ?? DEFAULT_MAX_PAYLOAD_CHARS;
  const envelopeFailure = (reason: string, errors: string[]): BatchResult => ({
    rows: [],
    rejected: [{ index: -1, reason, errors, ...quarantinePayload(body, maxChars) }],
  });
  if (!isJsonObject(body)) {
    return envelopeFailure('not_an_object', [`body: expected a JSON object with a "batch" array, got ${typeName(body)}`]);
  }
  const parsed = batchEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    const { reason, errors } = collect(parsed.error.issues, '');
    return envelopeFailure(reason, errors);
  }
  const envelope: Envelope = parsed.data;
  const itemCtx: NormalizeContext = { ...ctx, type: undefined };
  const out: BatchResult = { rows: [], rejected: [] };
  parsed.data.batch.forEach((item, index) => {
    const result = guarded(() => normalizeItem(item, itemCtx, `batch[${index}]`, envelope), `batch[${index}]`);
    if (result.ok) out.rows.push(result.row);
    else out.rejected.push({ index, reason: result.reason, errors: result.errors, ...quarantinePayload(item, maxChars) });
  });
  return out;
}

/** What the quarantine stores of a rejected message: its JSON, cut to `maxChars`. */
export function quarantinePayload(raw: unknown, maxChars = DEFAULT_MAX_PAYLOAD_CHARS): { payload: string; payloadTruncated: boolean } {
  const { text, truncated } = truncateText(boundedJson(raw), maxChars);
  return { payload: text, payloadTruncated: truncated };
}

function normalizeItem(raw: unknown, ctx: NormalizeContext, prefix: string, envelope: Envelope): NormalizeResult {
  const root = prefix || 'body';
  if (!isJsonObject(raw)) {
    return { ok: false, reason: 'not_an_object', errors: [`${root}: expected a JSON object, got ${typeName(raw)}`] };
  }
  const deep = pathTooDeep(raw);
  if (deep !== undefined) {
    return {
      ok: false,
      reason: 'too_deep',
      errors: [`${join(prefix, deep.slice(0, 3)) || root}${deep.length > 3 ? '…' : ''}: nested deeper than ${MAX_NESTING_DEPTH} levels of objects and arrays, the limit per message`],
    };
  }
  const maxBytes = ctx.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const bytes = Buffer.byteLength(safeJson(raw), 'utf8');
  if (bytes > maxBytes) {
    return { ok: false, reason: 'oversize', errors: [`${root}: ${bytes} bytes of JSON, over the ${maxBytes}-byte limit per message`] };
  }

  const errors: Array<{ reason: string; text: string }> = [];
  const type = ctx.type ?? messageTypeOf(own(raw, 'type'));
  if (type === undefined) {
    const given = own(raw, 'type');
    const why = given === undefined || given === null ? 'required' : `unknown message type ${safeJson(given).slice(0, 40)}`;
    errors.push({ reason: 'unknown_type', text: `${join(prefix, ['type'])}: ${why}` });
  }
  const parsed = (type ? MESSAGE_SCHEMAS[type] : untypedSchema).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(describe(issue, prefix));
  }
  if (errors.length > 0 || !parsed.success || type === undefined) {
    return { ok: false, reason: errors[0]?.reason ?? 'invalid_message', errors: errors.map((e) => e.text) };
  }
  const m = parsed.data;

  const sentAt = m.sentAt ?? envelope.sentAt;
  const time = eventTime(m, sentAt, ctx);
  if (!isStorable(time.ms)) {
    const field = m.timestamp !== undefined ? 'timestamp' : 'originalTimestamp';
    return {
      ok: false,
      reason: 'timestamp_out_of_range',
      errors: [`${join(prefix, [field])}: corrected by sentAt it falls outside ${STORABLE_RANGE_TEXT}`],
    };
  }
  return { ok: true, row: buildRow(raw, m, type, ctx, envelope, sentAt, time) };
}

function buildRow(
  raw: JsonObject, m: ParsedMessage, type: MessageType, ctx: NormalizeContext, envelope: Envelope,
  sentAt: number | undefined, time: { ms: number; clamped: boolean },
): EventRow {
  const context = mergeContext(envelope.context, m.context);
  const integrations = envelope.integrations || m.integrations ? { ...envelope.integrations, ...m.integrations } : undefined;
  const columns = typedColumns(type, m.properties, context);
  const userId = m.userId ?? '';
  const anonymousId = m.anonymousId ?? '';
  return {
    project_id: ctx.projectId,
    event_id: m.messageId !== undefined
      ? eventIdFromMessageId(ctx.projectId, m.messageId)
      : eventIdFromContent(ctx.projectId, raw),
    type,
    event: eventName(type, m),
    person_id: userId || anonymousId,
    anonymous_id: anonymousId,
    user_id: userId,
    timestamp: toSqlTime(time.ms),
    received_at: toSqlTime(ctx.receivedAt),
    sent_at: sentAt === undefined ? null : toSqlTime(sentAt),
    timestamp_clamped: time.clamped,
    ...columns,
    properties: { ...encodeMap(m.properties), ...injectedProperties(type, m) },
    // context.traits first so the message's own traits win.
    traits: { ...encodeMap(objectAt(context, 'traits')), ...encodeMap(m.traits) },
    context: remainingContext(context, columns, integrations),
  };
}

function eventName(type: MessageType, m: ParsedMessage): string {
  switch (type) {
    case 'track':
      return m.event ?? '';
    case 'page':
      return 'page_view';
    case 'screen':
      return 'screen_view';
    default:
      return type;
  }
}

/** Message fields that become properties; they win over a same-named property. */
function injectedProperties(type: MessageType, m: ParsedMessage): Record<string, string> {
  const entries: Array<[string, string | undefined]> = [];
  if (type === 'page' || type === 'screen') entries.push(['name', encodeValue(m.name)]);
  if (type === 'page') entries.push(['category', encodeValue(m.category)]);
  if (type === 'alias') entries.push(['previousId', m.previousId]);
  if (type === 'group') entries.push(['groupId', m.groupId]);
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

function eventTime(m: ParsedMessage, sentAt: number | undefined, ctx: NormalizeContext): { ms: number; clamped: boolean } {
  const given = m.timestamp ?? m.originalTimestamp;
  let ms: number;
  if (given === undefined) ms = ctx.receivedAt;
  else if (ctx.historical || sentAt === undefined) ms = given;
  else ms = ctx.receivedAt - (sentAt - given);
  if (ms > ctx.receivedAt + FUTURE_TOLERANCE_MS) return { ms: ctx.receivedAt, clamped: true };
  return { ms, clamped: false };
}

/** The item's context keys win; where both hold an object under a key, those merge one level. */
function mergeContext(batch: JsonObject | undefined, item: JsonObject | undefined): JsonObject | undefined {
  if (!batch) return item;
  if (!item) return batch;
  const merged = new Map<string, unknown>(Object.entries(batch));
  for (const [key, value] of Object.entries(item)) {
    const under = merged.get(key);
    merged.set(key, isJsonObject(value) && isJsonObject(under) ? { ...under, ...value } : value);
  }
  return Object.fromEntries(merged);
}

function messageTypeOf(v: unknown): MessageType | undefined {
  const t = typeof v === 'string' ? v.toLowerCase() : v;
  return isMessageType(t) ? t : undefined;
}

function describe(issue: ZodIssueLike, prefix: string): { reason: string; text: string } {
  const reason = typeof issue.params?.reason === 'string' ? issue.params.reason : 'invalid_message';
  return { reason, text: `${join(prefix, issue.path) || 'body'}: ${issue.message}` };
}

function collect(issues: readonly ZodIssueLike[], prefix: string): { reason: string; errors: string[] } {
  const described = issues.map((i) => describe(i, prefix));
  return { reason: described[0]?.reason ?? 'invalid_message', errors: described.map((d) => d.text) };
}

/** `batch[3]` + ['context', 'page'] → `batch[3].context.page`; odd keys are quoted. */
function join(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
