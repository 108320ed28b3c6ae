/**
 * Limits that make a parsed request safe to normalize and store, checked before anything walks
 * the value recursively.
 *
 * JSON.parse accepts input the rest of the path cannot take: arrays nested 20,000 deep (every
 * recursive walk, JSON.stringify included, overflows the stack) and `\ud800` escapes that decode
 * to unpaired UTF-16 surrogates (the engine's JSON input rejects them, and they have no UTF-8
 * form). Depth is measured without recursion; strings are made well-formed the way the WHATWG
 * encoders do it, each lone surrogate becoming U+FFFD.
 */

/** Deepest nesting of objects and arrays one message may hold (the message itself is level 1). */
export const MAX_NESTING_DEPTH = 64;

/**
 * The path to the first value nested deeper than `maxDepth` levels, or undefined when none is.
 * Iterative, so any depth JSON.parse produced can be measured.
 */
export function pathTooDeep(value: unknown, maxDepth = MAX_NESTING_DEPTH): PropertyKey[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Array<{ v: object; depth: number; path: PropertyKey[] }> = [{ v: value, depth: 1, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (depth > maxDepth) return path;
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, child] of entries) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1, path: [...path, k] });
    }
  }
  return undefined;
}

/** True when the raw body text could hold an escaped lone surrogate (`\uD800`-`\uDFFF`). */
export function mayHoldSurrogateEscape(text: string): boolean {
  return /\\u[dD][89a-fA-F]/.test(text);
}

/**
 * `value` with every string (keys too) made well-formed: a lone surrogate becomes U+FFFD. Parts
 * nested deeper than `maxDepth` are left as they are: the message holding them is rejected for
 * its depth, and its quarantined JSON text escapes them (JSON.stringify is well-formed).
 */
export function wellFormed(value: unknown, maxDepth = MAX_NESTING_DEPTH + 1): unknown {
  return fix(value, maxDepth);
}

function fix(v: unknown, depthLeft: number): unknown {
  if (typeof v === 'string') return v.isWellFormed() ? v : v.toWellFormed();
  if (typeof v !== 'object' || v === null || depthLeft <= 0) return v;
  if (Array.isArray(v)) return v.map((x) => fix(x, depthLeft - 1));
  const entries: Array<[string, unknown]> = [];
  for (const [k, x] of Object.entries(v)) entries.push([k.isWellFormed() ? k : k.toWellFormed(), fix(x, depthLeft - 1)]);
  // fromEntries defines own properties, so a key like "__proto__" stays an ordinary key.
  return Object.fromEntries(entries);
}

/**
 * JSON text of any parsed value that never throws on depth: parts deeper than `maxDepth` are
 * replaced by a marker string. Used for quarantined payloads, which must be storable whatever
 * was sent.
 */
export function boundedJson(value: unknown, maxDepth = MAX_NESTING_DEPTH): string {
  if (pathTooDeep(value, maxDepth) === undefined) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch {
      // bigint or a cycle: fall through to the walk below
    }
  }
  return JSON.stringify(cut(value, maxDepth, new WeakSet())) ?? 'null';
}

function cut(v: unknown, depthLeft: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return '[Circular]';
  if (depthLeft <= 0) return `[nested deeper than ${MAX_NESTING_DEPTH} levels: cut]`;
  seen.add(v);
  const out = Array.isArray(v)
    ? v.map((x) => cut(x, depthLeft - 1, seen))
    : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x, depthLeft - 1, seen)]));
  seen.delete(v);
  return out;
}

