/**
 * The engine orders strings by their UTF-8 bytes; JavaScript's `<` compares UTF-16 code units,
 * which disagrees for characters above U+FFFF. UTF-8 byte order equals code point order, so the
 * reference implementations compare code points.
 */
export function compareUtf8(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Element-wise comparison of string arrays, a prefix first (the engine's Array(String) order). */
export function compareUtf8Arrays(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareUtf8(a[i] ?? '', b[i] ?? '');
    if (d !== 0) return d;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
