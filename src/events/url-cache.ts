/**
 * URL parsing with a small memory. A batch repeats the same page and referrer URLs over and
 * over, and `new URL` is among the dearest steps of normalizing an event. Callers only read the
 * returned URL, never modify it.
 */
const MAX_ENTRIES = 1024;

const absolute = new Map<string, URL | undefined>();
const relative = new Map<string, URL | undefined>();

/** An absolute URL, or undefined when `text` is blank or not one. */
export function parseAbsoluteUrl(text: string): URL | undefined {
  if (text.trim() === '') return undefined;
  return remember(absolute, text, () => new URL(text));
}

/** A URL read the way a browser reads a link: relative ones resolve against a dummy origin. */
export function parseLooseUrl(text: string): URL | undefined {
  if (text === '') return undefined;
  return remember(relative, text, () => new URL(text, 'http://relative.invalid'));
}

function remember(cache: Map<string, URL | undefined>, text: string, parse: () => URL): URL | undefined {
  if (cache.has(text)) return cache.get(text);
  let url: URL | undefined;
  try {
    url = parse();
  } catch {
    url = undefined;
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(text, url);
  return url;
}
