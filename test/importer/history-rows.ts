/**
 * Sixteen years of history (2011-2026, 192 months, three rows a month) for the partition tests:
 * the rows, the file texts, and what the store must hold after importing them.
 */
import type { Store } from '../../src/store/store.js';

export const FIRST_YEAR = 2011;
export const LAST_YEAR = 2026;
export const MONTHS = (LAST_YEAR - FIRST_YEAR + 1) * 12; // 192
/** Three rows a month: the first instant of the month, the middle, and late on the 28th. */
export const ROWS: { user: string; event: string; ms: number }[] = [];
for (let m = 0; m < MONTHS; m++) {
  const y = FIRST_YEAR + Math.floor(m / 12);
  const mo = m % 12;
  ROWS.push({ user: `u${m % 37}`, event: 'home', ms: Date.UTC(y, mo, 1) });
  ROWS.push({ user: `u${m % 41}`, event: 'search', ms: Date.UTC(y, mo, 15, 12, 34, 56, 789) });
  ROWS.push({ user: `u${m % 43}`, event: 'payment', ms: Date.UTC(y, mo, 28, 23, 59, 59, 999) });
}
export const MIN_ISO = new Date(Date.UTC(FIRST_YEAR, 0, 1)).toISOString();
export const MAX_ISO = new Date(Date.UTC(LAST_YEAR, 11, 28, 23, 59, 59, 999)).toISOString();

/** A fixed pseudo-random permutation, so every chunk of the shuffled file spans the whole range. */
export function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const csv = (rows: typeof ROWS) => ['user_id,event,ts,n', ...rows.map((r, i) => `${r.user},${r.event},${new Date(r.ms).toISOString()},${i}`)].join('\n') + '\n';
export const SPEC = { person: 'user_id', eventColumn: 'event', timestampColumn: 'ts' } as const;

/** Count, distinct ids, distinct rows of the file, min and max time, and rows per month. */
export async function storedShape(store: Store, project: string) {
  const [r] = await store.query<{ rows: number; ids: number; ns: number; min: string; max: string; months: number; per_month: number[] }>(
    `SELECT toUInt32(count()) AS rows, toUInt32(uniqExact(event_id)) AS ids, toUInt32(uniqExact(properties['n'])) AS ns,
       concat(replaceOne(toString(min(timestamp)), ' ', 'T'), 'Z') AS min, concat(replaceOne(toString(max(timestamp)), ' ', 'T'), 'Z') AS max,
       toUInt32(uniqExact(toYYYYMM(timestamp))) AS months,
       arrayDistinct(groupArray(n)) AS per_month
     FROM (SELECT *, count() OVER (PARTITION BY toYYYYMM(timestamp)) AS n FROM ${store.database}.events WHERE project_id = {p:String})`,
    { p: project },
  );
  return r;
}

export const EXPECTED_SHAPE = { rows: ROWS.length, ids: ROWS.length, ns: ROWS.length, min: MIN_ISO, max: MAX_ISO, months: MONTHS, per_month: [3] };

