/**
 * What a demo scenario contributes: person attributes, the items of one session, the gaps
 * between items, and how an item becomes an event row. `generate-sql.ts` assembles these into
 * INSERT ... SELECT statements over `numbers()`.
 *
 * Expressions may use:
 *  - person level: `p` (person number), `{seed:UInt64}`, `{start_ms:Int64}`, `{end_ms:Int64}`
 *    (the window, epoch ms), `{reserve_ms:Int64}`, the scenario's own params, and earlier
 *    person columns. `sess_start` (Array(Int64), epoch ms of each session) is required.
 *  - session items: `s` (session index, UInt64) and `st` (its start ms), plus person columns.
 *  - gaps: `it` (the item tuple), `j` (1-based position in the session), `s`.
 *  - event columns: person columns and `kind`, `tag` (from the item), `ts_ms`, `sess`, `j`,
 *    `gap_ms` (time since the previous item), `sess_ms` (session start), `i` (position in person).
 */
import type { QueryParams } from '../store/store.js';

export const SCENARIO_NAMES = ['ecommerce', 'scooter', 'flyers', 'articles'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly seed: number;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** One line for listings (CLI help). */
  readonly description: string;
  /** Mixed into every hash so two scenarios with one seed share no draws. */
  readonly code: number;
  /** Kept free at the window's end so the longest session still ends by `end`. */
  readonly reserveMs: number;
  /** Sizing hint for chunks; the exact count is computed, never assumed. */
  readonly eventsPerPersonGuess: number;
  /** Event names, indexed by an item's `kind`. */
  readonly eventNames: readonly string[];
  readonly personColumns: ReadonlyArray<readonly [name: string, expr: string]>;
  /** One session's items, Array(Tuple(kind UInt8, tag UInt32)), in time order. */
  readonly sessionItems: string;
  /** Milliseconds between item j-1 and item j (j >= 2). */
  readonly gapMs: string;
  readonly personId: string;
  /** The person id is an anonymous (device) id rather than a user id. */
  readonly anonymous: boolean;
  /** Extra event columns (typed columns, properties) by column name. */
  readonly eventColumns: Readonly<Record<string, string>>;
  /** person_properties rows: [key, value expression]. */
  readonly personProperties: ReadonlyArray<readonly [key: string, expr: string]>;
  /** When the person's properties were set (epoch ms): their first session. */
  readonly firstSeenMs: string;
  readonly params?: (window: ScenarioWindow) => QueryParams;
}
