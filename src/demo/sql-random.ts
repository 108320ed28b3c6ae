/**
 * Deterministic randomness inside the engine: every random draw is a hash of the seed (a bound
 * parameter), the scenario's code, a salt naming the draw, and the row coordinates (person,
 * session, item). The same seed therefore yields the same data however the work is chunked.
 * Only integers and column names from the scenario files reach these strings.
 */

const TWO_POW_64 = '18446744073709551616.0';

export interface SqlRandom {
  /** Uniform in [0, 1). */
  u(salt: number, ...coords: string[]): string;
  /** Uniform integer in [0, n). */
  int(salt: number, n: number, ...coords: string[]): string;
  /** The raw 64-bit hash. */
  hash(salt: number, ...coords: string[]): string;
}

export function sqlRandom(code: number): SqlRandom {
  const hash = (salt: number, ...coords: string[]): string =>
    `cityHash64({seed:UInt64}, ${code}, ${salt}${coords.map((c) => `, ${c}`).join('')})`;
  return {
    hash,
    u: (salt, ...coords) => `(${hash(salt, ...coords)} / ${TWO_POW_64})`,
    int: (salt, n, ...coords) => `(${hash(salt, ...coords)} % ${n})`,
  };
}

/** `'a', 'b'` → an SQL array literal of fixed-vocabulary strings. */
export function stringArray(values: readonly string[]): string {
  for (const v of values) {
    if (!/^[\w ./:-]*$/.test(v)) throw new Error(`demo vocabulary value ${JSON.stringify(v)} is not plain text`);
  }
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

/** Picks `values[floor(u * n)]` for a uniform draw `u` (1-based array index in SQL). */
export function pick(values: readonly string[], uniform: string): string {
  return `${stringArray(values)}[1 + toUInt32(${uniform} * ${values.length})]`;
}

/**
 * `n` session starts (epoch ms) that never overlap: the window is cut into n equal slots and
 * session s starts at a uniform point of slot s that leaves `{reserve_ms}` before the slot ends.
 */
export function slottedStarts(n: string, uniform: string): string {
  return `arrayMap(s -> {start_ms:Int64} + toInt64(s * (({end_ms:Int64} - {start_ms:Int64}) / ${n})
      + ${uniform} * (({end_ms:Int64} - {start_ms:Int64}) / ${n} - {reserve_ms:Int64})), range(${n}))`;
}
