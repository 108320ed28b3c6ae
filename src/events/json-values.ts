/**
 * Helpers over parsed JSON. Inputs are `unknown` because an HTTP body can be anything and the
 * normalizer must never throw, so every helper tolerates non-JSON values (bigint, undefined,
 * functions) the way `JSON.stringify` would, without its exceptions.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `JSON.stringify` that never throws (bigint → decimal text, cycles → "[Circular]"). */
export function safeJson(v: unknown): string {
  // Fast path: values from JSON.parse have no bigint and no cycles, and the replacer below costs
  // a function call per value on the ingest hot path. JSON.stringify throws on exactly the cases
  // the slow path handles.
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    // fall through
  }
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(v, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
    return text ?? 'null';
  } catch {
    return String(v);
  }
}

/** JSON with object keys sorted at every depth, so key order never changes a content hash. */
export function canonicalJson(v: unknown): string {
  return safeJson(sortKeys(v, 0));
}

function sortKeys(v: unknown, depth: number): unknown {
  if (depth > 64 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, depth + 1));
  const entries = Object.keys(v).sort().map((k) => [k, sortKeys((v as JsonObject)[k], depth + 1)] as const);
  return Object.fromEntries(entries);
}

/**
 * How a property value is stored in a Map(String, String) column: strings as they are, numbers
 * as JavaScript prints them (`1.5`, `1e+21`), booleans `true`/`false`, objects and arrays as JSON
 * text. null (and non-JSON values like undefined) return undefined: the key is left out, so
 * `properties['k']` reads '' for both "absent" and "null", and `mapContains` says absent.
 */
export function encodeValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? String(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      return v === null ? undefined : safeJson(v);
    default:
      return undefined;
  }
}

/** Top-level keys of an object encoded with `encodeValue`; any key text is kept as is. */
export function encodeMap(obj: JsonObject | undefined): Record<string, string> {
  if (!obj) return {};
  const entries: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const text = encodeValue(v);
    if (text !== undefined) entries.push([k, text]);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays an ordinary key.
  return Object.fromEntries(entries);
}

/** A string or number as text ('' otherwise): the columns Segment documents as strings. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** Own property `key` of `obj` (never an inherited one like `constructor`). */
export function own(obj: JsonObject | undefined, key: string): unknown {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Own property `key` of `obj` when it is an object, else undefined. */
export function objectAt(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = own(obj, key);
  return isJsonObject(v) ? v : undefined;
}

/**
 * First `maxChars` UTF-16 units of `text`, never ending inside a surrogate pair, and whether
 * anything was cut.
 */
export function truncateText(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  let end = Math.max(0, maxChars);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), truncated: true };
}
