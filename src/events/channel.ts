/**
 * Acquisition channel of an event when the client did not state one. Rules, first match wins:
 *  1. utm_medium: cpc / ppc / cpm / cpv / cpa / display / banner / retargeting / anything with
 *     "paid" → paid; email / e-mail / newsletter / mail → email; social / social-network /
 *     social-media / sm → social; organic / seo → search; referral / ref / link → referral.
 *  2. An ad click id in the page URL (gclid, gbraid, wbraid, msclkid, dclid) → paid.
 *  3. utm_source naming a search engine → search, a social network → social, containing
 *     "newsletter" or "email" → email; any other utm_source / utm_medium → referral.
 *  4. Referrer host: webmail → email, search engine → search, social network → social, the
 *     page's own host (internal navigation) → direct, any other host → referral.
 *  5. Nothing → direct.
 */

import { parseAbsoluteUrl } from './url-cache.js';

export type Channel = 'paid' | 'search' | 'social' | 'email' | 'referral' | 'direct';

export interface ChannelInputs {
  readonly utmSource: string;
  readonly utmMedium: string;
  readonly referrer: string;
  readonly pageUrl: string;
}

const PAID_MEDIUM = /^(?:cpc|ppc|cpm|cpv|cpa|display|banner|retargeting|remarketing)$|paid/;
const EMAIL_MEDIUM = new Set(['email', 'e-mail', 'e_mail', 'newsletter', 'mail']);
const SOCIAL_MEDIUM = new Set(['social', 'social-network', 'social-media', 'social_network', 'social_media', 'sm']);
const SEARCH_MEDIUM = new Set(['organic', 'seo']);
const REFERRAL_MEDIUM = new Set(['referral', 'ref', 'link']);
const AD_CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'msclkid', 'dclid'];

const SEARCH_NAMES = new Set(['google', 'bing', 'yahoo', 'duckduckgo', 'baidu', 'yandex', 'ecosia', 'qwant', 'startpage', 'naver', 'seznam']);
const SOCIAL_NAMES = new Set([
  'facebook', 'fb', 'instagram', 'twitter', 'x', 'linkedin', 'reddit', 'pinterest', 'youtube', 'tiktok',
  'snapchat', 'whatsapp', 'telegram', 'threads', 'mastodon', 'tumblr', 'quora', 'vk',
]);
const SOCIAL_HOSTS = new Set(['t.co', 'x.com', 'lnkd.in', 't.me', 'm.me', 'youtu.be', 'fb.me']);
const WEBMAIL_HOSTS = /^(?:mail\.google\.com|outlook\.(?:live|office|office365)\.com|mail\.yahoo\.com|mail\.aol\.com|mail\.proton\.me)$/;

export function deriveChannel(inputs: ChannelInputs): Channel {
  const medium = inputs.utmMedium.trim().toLowerCase();
  const source = inputs.utmSource.trim().toLowerCase();
  if (medium !== '') {
    if (PAID_MEDIUM.test(medium)) return 'paid';
    if (EMAIL_MEDIUM.has(medium)) return 'email';
    if (SOCIAL_MEDIUM.has(medium)) return 'social';
    if (SEARCH_MEDIUM.has(medium)) return 'search';
    if (REFERRAL_MEDIUM.has(medium)) return 'referral';
  }
  const page = parseAbsoluteUrl(inputs.pageUrl);
  if (page && AD_CLICK_IDS.some((id) => page.searchParams.has(id))) return 'paid';
  if (source !== '' || medium !== '') {
    const words = source.split(/[^a-z0-9]+/);
    if (words.some((w) => SEARCH_NAMES.has(w))) return 'search';
    if (words.some((w) => SOCIAL_NAMES.has(w))) return 'social';
    if (/newsletter|email/.test(source)) return 'email';
    return 'referral';
  }
  const referrerHost = hostOf(parseAbsoluteUrl(inputs.referrer));
  if (referrerHost === '') return 'direct';
  if (WEBMAIL_HOSTS.test(referrerHost)) return 'email';
  const labels = referrerHost.split('.');
  if (labels.some((l) => SEARCH_NAMES.has(l)) || referrerHost === 'search.brave.com') return 'search';
  if (SOCIAL_HOSTS.has(referrerHost) || labels.slice(0, -1).some((l) => SOCIAL_NAMES.has(l) && l !== 'x')) return 'social';
  if (referrerHost === hostOf(page)) return 'direct';
  return 'referral';
}


/** Lower-case host without a leading "www.", '' when unknown. */
function hostOf(url: URL | undefined): string {
  return url ? url.hostname.toLowerCase().replace(/^www\./, '') : '';
}
