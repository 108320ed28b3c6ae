import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserFromUserAgent, deviceTypeFromUserAgent, osFromUserAgent } from '../../src/events/user-agent.js';
import { deriveChannel, type ChannelInputs } from '../../src/events/channel.js';
import { parseIsoTime } from '../../src/events/iso-time.js';

const UA = {
  chromeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  edgeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
  firefoxLinux: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  chromeIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
  chromeAndroidPhone: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  chromeAndroidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  samsung: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  opera: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  chromebook: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  curl: 'curl/8.4.0',
};

test('browser, device type and os families from user agents', () => {
  const expected: Record<keyof typeof UA, [string, string, string]> = {
    chromeWin: ['Chrome', 'desktop', 'Windows'],
    edgeWin: ['Edge', 'desktop', 'Windows'],
    firefoxLinux: ['Firefox', 'desktop', 'Linux'],
    safariMac: ['Safari', 'desktop', 'Mac OS X'],
    safariIphone: ['Safari', 'mobile', 'iOS'],
    chromeIphone: ['Chrome', 'mobile', 'iOS'],
    chromeAndroidPhone: ['Chrome', 'mobile', 'Android'],
    chromeAndroidTablet: ['Chrome', 'tablet', 'Android'],
    samsung: ['Other', 'mobile', 'Android'],
    opera: ['Other', 'desktop', 'Windows'],
    ipad: ['Safari', 'tablet', 'iOS'],
    chromebook: ['Chrome', 'desktop', 'Chrome OS'],
    curl: ['Other', 'desktop', ''],
  };
  for (const [name, ua] of Object.entries(UA)) {
    const got = [browserFromUserAgent(ua), deviceTypeFromUserAgent(ua), osFromUserAgent(ua)];
    assert.deepEqual(got, expected[name as keyof typeof UA], name);
  }
  assert.deepEqual([browserFromUserAgent(''), deviceTypeFromUserAgent(''), osFromUserAgent('')], ['', '', '']);
});

test('channel derivation rules, in order', () => {
  const none: ChannelInputs = { utmSource: '', utmMedium: '', referrer: '', pageUrl: 'https://shop.example/' };
  const cases: Array<[Partial<ChannelInputs>, string]> = [
    [{}, 'direct'],
    [{ utmMedium: 'CPC', utmSource: 'facebook' }, 'paid'],
    [{ utmMedium: 'paid_social' }, 'paid'],
    [{ utmMedium: 'display' }, 'paid'],
    [{ utmMedium: 'email' }, 'email'],
    [{ utmMedium: 'newsletter' }, 'email'],
    [{ utmMedium: 'social' }, 'social'],
    [{ utmMedium: 'organic', utmSource: 'google' }, 'search'],
    [{ utmMedium: 'referral' }, 'referral'],
    [{ pageUrl: 'https://shop.example/?gclid=abc' }, 'paid'],
    [{ utmSource: 'google' }, 'search'],
    [{ utmSource: 'duckduckgo', utmMedium: 'unknown' }, 'search'],
    [{ utmSource: 'instagram' }, 'social'],
    [{ utmSource: 'weekly-newsletter' }, 'email'],
    [{ utmSource: 'partner-blog' }, 'referral'],
    [{ referrer: 'https://www.google.co.uk/' }, 'search'],
    [{ referrer: 'https://search.brave.com/search?q=a' }, 'search'],
    [{ referrer: 'https://mail.google.com/mail/u/0/' }, 'email'],
    [{ referrer: 'https://t.co/abc' }, 'social'],
    [{ referrer: 'https://m.facebook.com/' }, 'social'],
    [{ referrer: 'https://x.com/someone' }, 'social'],
    [{ referrer: 'https://x.example.org/' }, 'referral'],
    [{ referrer: 'https://blog.example.org/post' }, 'referral'],
    [{ referrer: 'https://www.shop.example/cart' }, 'direct'],
    [{ referrer: 'not a url' }, 'direct'],
  ];
  for (const [inputs, channel] of cases) {
    assert.equal(deriveChannel({ ...none, ...inputs }), channel, JSON.stringify(inputs));
  }
});

test('ISO-8601 parsing is strict and zone-aware', () => {
  const ok: Array<[string, number]> = [
    ['2024-02-29T12:34:56.789Z', Date.UTC(2024, 1, 29, 12, 34, 56, 789)],
    ['2024-02-29T12:34:56Z', Date.UTC(2024, 1, 29, 12, 34, 56)],
    ['2024-02-29T12:34Z', Date.UTC(2024, 1, 29, 12, 34)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2024-02-29T12:34:56.7+01:00', Date.UTC(2024, 1, 29, 11, 34, 56, 700)],
    ['2024-02-29T12:34:56-05', Date.UTC(2024, 1, 29, 17, 34, 56)],
    ['2024-02-29 12:34:56,5', Date.UTC(2024, 1, 29, 12, 34, 56, 500)],
    ['1900-01-01T00:00:00Z', Date.UTC(1900, 0, 1)],
    // Years below 100 are not shifted into the 1900s (Date.UTC would).
    ['0050-06-01T00:00:00Z', -60_576_249_600_000],
  ];
  for (const [text, ms] of ok) assert.equal(parseIsoTime(text), ms, text);
  for (const bad of ['', '1', '2024', '2024-1-1', '2023-02-29', '2024-04-31', '2024-01-01T25:00Z', '2024-01-01T10:60Z', '2024-01-01T10:00:00+24:00', 'Wed, 10 Jan 2024 10:00:00 GMT', '2024-01-01T10:00:00ZZ']) {
    assert.equal(parseIsoTime(bad), undefined, bad);
  }
});
