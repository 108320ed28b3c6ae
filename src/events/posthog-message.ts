/**
 * PostHog capture events → Segment messages, so events from posthog-js and posthog-node go through
 * the same normalization, quarantine and durable log as any Segment SDK's. A pure function: the
 * HTTP layer decodes the request (src/api/posthog-body.ts) and hands each event here.
 *
 * Identity follows PostHog's rules:
 *  - `distinct_id` is the person's id. It is the anonymous id when the SDK says the user is not
 *    identified (`$is_identified: false`, or, for older posthog-js, `$device_id` equal to it);
 *    otherwise the user id (server SDKs such as posthog-node only send known ids).
 *  - `$identify` with `$anon_distinct_id` becomes an identify carrying both ids, which links the
 *    anonymous id to the user (PostHog merges the two persons at that point, and only there).
 *  - `$create_alias` / `$merge_dangerously` (`properties.alias`) become an alias: the alias id
 *    joins the person of `distinct_id`.
 *  - `$set` / `$set_once` (top-level or in properties; top-level wins, `$set` wins over
 *    `$set_once` for the same key) are person properties: identify traits. On an event other than
 *    `$identify` / `$set` they travel as an extra identify (messageId `<uuid>:set`), unless the
 *    event says `$process_person_profile: false` (PostHog ignores them then).
 * Event types: `$pageview` → page, `$screen` → screen (name `$screen_name`), `$groupidentify` →
 * group (`$group_key`, traits `$group_set`), every other event → track with its own name.
 * Time: `uuid` → messageId; `timestamp` with the request's `sent_at` (skew-corrected by the
 * normalizer, as PostHog does) unless `$ignore_sent_at`; an `offset` (ms before receipt) wins.
 */
import { isJsonObject, type JsonObject } from './json-values.js';

export interface PosthogContext {
  /** When the request arrived (epoch ms): `offset` counts back from here. */
  readonly receivedAt: number;
  /** The request body's `sent_at`, if any (an event's own `sent_at` wins). */
  readonly sentAt?: string | undefined;
}

export type PosthogMapping =
  | { readonly ok: true; readonly messages: JsonObject[] }
  | { readonly ok: false; readonly reason: string; readonly error: string };

/** Properties that are carried elsewhere in the Segment message (identity, key, traits). */
const CONSUMED = new Set(['token', 'api_key', 'distinct_id', '$set', '$set_once']);

export function posthogEventToSegment(event: unknown, ctx: PosthogContext): PosthogMapping {
  if (!isJsonObject(event)) return { ok: false, reason: 'not_an_object', error: 'a PostHog event must be a JSON object' };
  const name = event.event;
  if (typeof name !== 'string' || name.trim() === '') {
    return { ok: false, reason: 'missing_event', error: 'event: a PostHog event needs a non-empty "event" name' };
  }
  const props = isJsonObject(event.properties) ? event.properties : {};
  const distinctId = idText(event.distinct_id) ?? idText(props.distinct_id) ?? idText(event.$distinct_id);
  if (distinctId === undefined) {
    return { ok: false, reason: 'missing_distinct_id', error: 'distinct_id: required (top level or in properties)' };
  }

  const properties: JsonObject = {};
  for (const [k, v] of Object.entries(props)) if (!CONSUMED.has(k)) properties[k] = v;
  const traits: JsonObject = {
    ...objectOr(props.$set_once),
    ...objectOr(event.$set_once),
    ...objectOr(props.$set),
    ...objectOr(event.$set),
  };

  const base: JsonObject = { context: contextOf(props), properties, ...timeOf(event, props, ctx) };
  if (typeof event.uuid === 'string' && event.uuid !== '') base.messageId = event.uuid;
  const identity = isAnonymous(distinctId, props) ? { anonymousId: distinctId } : { userId: distinctId };

  switch (name) {
    case '$identify': {
      const anon = idText(props.$anon_distinct_id) ?? idText(event.$anon_distinct_id);
      const msg: JsonObject = { ...base, type: 'identify', userId: distinctId, traits };
      if (anon !== undefined && anon !== distinctId) msg.anonymousId = anon;
      return { ok: true, messages: [msg] };
    }
    case '$set':
      return { ok: true, messages: [{ ...base, type: 'identify', ...identity, traits }] };
    case '$create_alias':
    case '$merge_dangerously': {
      const alias = idText(props.alias);
      if (alias === undefined) return { ok: false, reason: 'missing_alias', error: `properties.alias: required for ${name}` };
      return { ok: true, messages: [{ ...base, type: 'alias', userId: distinctId, previousId: alias }] };
    }
    case '$groupidentify': {
      const groupId = idText(props.$group_key);
      if (groupId === undefined) return { ok: false, reason: 'missing_group_key', error: 'properties.$group_key: required for $groupidentify' };
      const groupProps: JsonObject = { ...properties };
      delete groupProps.$group_set;
      return { ok: true, messages: [{ ...base, properties: groupProps, type: 'group', ...identity, groupId, traits: objectOr(props.$group_set) }] };
    }
  }

  let msg: JsonObject;
  if (name === '$pageview') msg = { ...base, type: 'page', ...identity };
  else if (name === '$screen') {
    msg = { ...base, type: 'screen', ...identity };
    if (typeof props.$screen_name === 'string' && props.$screen_name !== '') msg.name = props.$screen_name;
  } else msg = { ...base, type: 'track', event: name, ...identity };
  const messages = [msg];
  if (Object.keys(traits).length > 0 && props.$process_person_profile !== false) {
    const set: JsonObject = { ...base, type: 'identify', ...identity, traits, properties: { $set_from: name } };
    if (typeof base.messageId === 'string') set.messageId = `${base.messageId}:set`;
    messages.push(set);
  }
  return { ok: true, messages };
}

/** PostHog semantics of "anonymous": the SDK's own flag, else the device id standing in for a person. */
function isAnonymous(distinctId: string, props: JsonObject): boolean {
  if (props.$is_identified === false) return true;
  if (props.$is_identified === true) return false;
  return typeof props.$device_id === 'string' && props.$device_id === distinctId;
}

function timeOf(event: JsonObject, props: JsonObject, ctx: PosthogContext): JsonObject {
  const offset = event.offset;
  if (typeof offset === 'number' && Number.isFinite(offset) && offset >= 0) {
    // "happened `offset` ms before it reached us": the same as a timestamp with sentAt = receipt.
    const at = new Date(ctx.receivedAt);
    const ts = new Date(ctx.receivedAt - offset);
    if (!Number.isNaN(ts.getTime())) return { timestamp: ts.toISOString(), sentAt: at.toISOString() };
  }
  const out: JsonObject = {};
  if (event.timestamp !== undefined && event.timestamp !== null) out.timestamp = event.timestamp;
  const sentAt = typeof event.sent_at === 'string' ? event.sent_at : ctx.sentAt;
  if (out.timestamp !== undefined && sentAt !== undefined && props.$ignore_sent_at !== true) out.sentAt = sentAt;
  return out;
}

/** A Segment context from PostHog's `$` properties (the properties themselves are kept as well). */
function contextOf(p: JsonObject): JsonObject {
  const context: JsonObject = {};
  const str = (k: string): string | undefined => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);
  const put = (obj: JsonObject, key: string, value: unknown) => {
    if (value !== undefined) obj[key] = value;
  };
  const library: JsonObject = {};
  put(library, 'name', str('$lib'));
  put(library, 'version', str('$lib_version'));
  const page: JsonObject = {};
  put(page, 'url', str('$current_url'));
  put(page, 'path', str('$pathname'));
  const referrer = str('$referrer');
  if (referrer !== undefined && referrer !== '$direct') page.referrer = referrer;
  put(page, 'title', str('title') ?? str('$title'));
  const os: JsonObject = {};
  put(os, 'name', str('$os'));
  put(os, 'version', str('$os_version'));
  const device: JsonObject = {};
  put(device, 'type', str('$device_type'));
  put(device, 'model', str('$device_model'));
  put(device, 'manufacturer', str('$device_manufacturer'));
  const screen: JsonObject = {};
  put(screen, 'width', typeof p.$screen_width === 'number' ? p.$screen_width : undefined);
  put(screen, 'height', typeof p.$screen_height === 'number' ? p.$screen_height : undefined);
  const campaign: JsonObject = {};
  put(campaign, 'source', str('utm_source'));
  put(campaign, 'medium', str('utm_medium'));
  put(campaign, 'name', str('utm_campaign'));
  put(campaign, 'term', str('utm_term'));
  put(campaign, 'content', str('utm_content'));
  for (const [key, obj] of Object.entries({ library, page, os, device, screen, campaign })) {
    if (Object.keys(obj).length > 0) context[key] = obj;
  }
  put(context, 'userAgent', str('$raw_user_agent') ?? str('$user_agent'));
  put(context, 'locale', str('$browser_language') ?? str('$locale'));
  put(context, 'timezone', str('$timezone'));
  put(context, 'ip', str('$ip'));
  return context;
}

function idText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function objectOr(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}
