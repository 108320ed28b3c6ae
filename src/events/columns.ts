/**
 * The typed columns an event row carries next to its maps, read from a Segment message's
 * context (and, for page calls, its properties), plus the "remaining context" JSON text.
 */
import type { EventRow } from './event-row.js';
import { deriveChannel } from './channel.js';
import { parseLooseUrl } from './url-cache.js';
import { isJsonObject, objectAt, own, safeJson, textOf, type JsonObject } from './json-values.js';
import type { MessageType } from './segment-schema.js';
import { browserFromUserAgent, deviceTypeFromContext, deviceTypeFromUserAgent, osFromUserAgent } from './user-agent.js';

export type TypedColumns = Pick<
  EventRow,
  | 'page_url' | 'page_path' | 'page_referrer' | 'page_title'
  | 'device_type' | 'os' | 'browser' | 'channel'
  | 'utm_source' | 'utm_medium' | 'utm_campaign' | 'country' | 'locale'
>;

/** Values Segment libraries put in context.channel to name themselves, not an acquisition channel. */
const LIBRARY_CHANNELS = new Set(['server', 'browser', 'client', 'mobile']);

export function typedColumns(type: MessageType, properties: JsonObject | undefined, context: JsonObject | undefined): TypedColumns {
  const page = objectAt(context, 'page');
  // A page call's properties describe the page itself, so they win over context.page.
  const pageField = (key: string): string =>
    (type === 'page' ? textOf(own(properties, key)) : '') || textOf(own(page, key));
  const page_url = pageField('url');
  const url = parseLooseUrl(page_url);
  const page_path = pageField('path') || (url?.pathname ?? '');

  const campaign = objectAt(context, 'campaign');
  const fromCampaign = (key: string, param: string): string =>
    textOf(own(campaign, key)) || (url?.searchParams.get(param) ?? '');
  const utm_source = fromCampaign('source', 'utm_source');
  const utm_medium = fromCampaign('medium', 'utm_medium');
  const utm_campaign = fromCampaign('name', 'utm_campaign');

  const ua = textOf(own(context, 'userAgent'));
  const device = objectAt(context, 'device');
  const deviceType = textOf(own(device, 'type'));
  const stated = textOf(own(properties, 'channel')) || textOf(own(context, 'channel'));
  const page_referrer = pageField('referrer');
  return {
    page_url,
    page_path,
    page_referrer,
    page_title: pageField('title'),
    device_type: deviceType ? deviceTypeFromContext(deviceType, textOf(own(device, 'model'))) : deviceTypeFromUserAgent(ua),
    os: textOf(own(objectAt(context, 'os'), 'name')) || osFromUserAgent(ua),
    browser: browserFromUserAgent(ua),
    channel: stated !== '' && !LIBRARY_CHANNELS.has(stated.toLowerCase())
      ? stated
      : deriveChannel({ utmSource: utm_source, utmMedium: utm_medium, referrer: page_referrer, pageUrl: page_url }),
    utm_source,
    utm_medium,
    utm_campaign,
    country: textOf(own(objectAt(context, 'location'), 'country')),
    locale: textOf(own(context, 'locale')),
  };
}

/** Absolute URLs as they are, relative ones ("/a?b=c") against a placeholder origin. */

/** Context leaves that a typed column holds verbatim, as [object key, leaf key, column]. */
const COPIED_LEAVES: ReadonlyArray<readonly [string, string, keyof TypedColumns]> = [
  ['page', 'url', 'page_url'],
  ['page', 'path', 'page_path'],
  ['page', 'referrer', 'page_referrer'],
  ['page', 'title', 'page_title'],
  ['campaign', 'source', 'utm_source'],
  ['campaign', 'medium', 'utm_medium'],
  ['campaign', 'name', 'utm_campaign'],
  ['device', 'type', 'device_type'],
  ['os', 'name', 'os'],
  ['location', 'country', 'country'],
];

/**
 * JSON text of the context minus what the row already holds elsewhere: `traits` (merged into
 * the traits map) and every leaf whose value a typed column holds verbatim (a context.page.url
 * equal to page_url, a context.locale equal to locale, ...). A leaf that was normalised on the
 * way (device.type "ios" → "mobile") or lost to a page property stays, so nothing the client
 * sent is dropped. The message's integrations, merged with the batch's, are kept under
 * "integrations" (Clickpath forwards nothing, but they say what the client intended).
 */
export function remainingContext(context: JsonObject | undefined, columns: TypedColumns, integrations: JsonObject | undefined): string {
  const rest: JsonObject = { ...context };
  if (isJsonObject(rest.traits)) delete rest.traits;
  for (const [key, column] of [['locale', 'locale'], ['channel', 'channel']] as const) {
    const v = own(rest, key);
    if (v !== undefined && textOf(v) !== '' && textOf(v) === columns[column]) delete rest[key];
  }
  for (const [objectKey, leaf, column] of COPIED_LEAVES) {
    const obj = objectAt(rest, objectKey);
    const v = own(obj, leaf);
    if (!obj || textOf(v) === '' || textOf(v) !== columns[column]) continue;
    const { [leaf]: _copied, ...others } = obj;
    if (Object.keys(others).length === 0) delete rest[objectKey];
    else rest[objectKey] = others;
  }
  if (integrations && Object.keys(integrations).length > 0) rest.integrations = integrations;
  return safeJson(rest);
}
