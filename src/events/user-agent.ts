/**
 * Small user-agent heuristics for the device_type / browser / os columns when the SDK did not
 * send `context.device.type` / `context.os.name`. Deliberately coarse: a handful of families
 * that analyses segment by, not a full UA database.
 */

export type DeviceType = 'mobile' | 'tablet' | 'desktop';
export type BrowserFamily = 'Chrome' | 'Firefox' | 'Safari' | 'Edge' | 'Other';

/** '' when there is no user agent. Tablets first: Android tablets omit "Mobile". */
export function deviceTypeFromUserAgent(ua: string): DeviceType | '' {
  if (ua === '') return '';
  if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua)) return 'tablet';
  if (/Android/i.test(ua) && !/Mobile/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini/i.test(ua)) return 'mobile';
  return 'desktop';
}

/**
 * Order matters: Edge and the Chromium forks carry a "Chrome/" token, Chrome carries "Safari/".
 * Opera, Samsung Internet, Yandex, UC and Vivaldi count as Other rather than Chrome.
 */
export function browserFromUserAgent(ua: string): BrowserFamily | '' {
  if (ua === '') return '';
  if (/\b(?:Edg|Edge|EdgA|EdgiOS)\//.test(ua)) return 'Edge';
  if (/\b(?:OPR|Opera|OPiOS|SamsungBrowser|YaBrowser|UCBrowser|Vivaldi)\b/.test(ua)) return 'Other';
  if (/\b(?:Firefox|FxiOS)\//.test(ua)) return 'Firefox';
  if (/\b(?:Chrome|CriOS|Chromium)\//.test(ua)) return 'Chrome';
  if (/\bSafari\//.test(ua) && /\bVersion\//.test(ua)) return 'Safari';
  return 'Other';
}

/** Operating system family in the spelling Segment's SDKs use for context.os.name. */
export function osFromUserAgent(ua: string): string {
  if (ua === '') return '';
  if (/Windows Phone/i.test(ua)) return 'Windows Phone';
  if (/iPhone|iPad|iPod/.test(ua)) return 'iOS';
  if (/Android/i.test(ua)) return 'Android';
  if (/CrOS/.test(ua)) return 'Chrome OS';
  if (/Windows/i.test(ua)) return 'Windows';
  if (/Mac OS X|Macintosh/.test(ua)) return 'Mac OS X';
  if (/Linux/i.test(ua)) return 'Linux';
  return '';
}

const FORM_FACTORS: Readonly<Record<string, DeviceType>> = {
  mobile: 'mobile',
  phone: 'mobile',
  smartphone: 'mobile',
  tablet: 'tablet',
  desktop: 'desktop',
  computer: 'desktop',
  pc: 'desktop',
  laptop: 'desktop',
};

/**
 * device_type from `context.device.type`. Segment's mobile SDKs put the platform there
 * ("ios", "android"): those become mobile, or tablet when context.device.model names an iPad
 * or tablet. Other values are kept, lower-cased, so nothing the client said is lost.
 */
export function deviceTypeFromContext(type: string, model: string): string {
  const t = type.trim().toLowerCase();
  const known = FORM_FACTORS[t];
  if (known) return known;
  if (t === 'ios' || t === 'android' || t === 'ipados') {
    return t === 'ipados' || /iPad|Tablet|\bTab\b/i.test(model) ? 'tablet' : 'mobile';
  }
  return t;
}
