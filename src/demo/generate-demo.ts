/**
 * Deterministic demo data, generated inside the engine: `INSERT INTO events SELECT ... FROM
 * numbers(...)` per chunk of persons, every value a hash of the seed and the row's coordinates.
 * Same seed, size, end and days → identical rows (project id aside), whatever the chunk size.
 */
import { z } from 'zod';
import type { QueryParams, Store } from '../store/store.js';
import { SCENARIO_NAMES, type Scenario, type ScenarioName, type ScenarioWindow } from './scenario.js';
import { chunkTotalSql, cutSql, insertEventsSql, insertPersonsSql } from './generate-sql.js';
import { ecommerce } from './scenarios/ecommerce.js';
import { scooter } from './scenarios/scooter.js';
import { flyers } from './scenarios/flyers.js';
import { articles } from './scenarios/articles.js';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = { ecommerce, scooter, flyers, articles };
export { SCENARIO_NAMES, type ScenarioName };

const DAY_MS = 86_400_000;
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2299, 11, 31);

export interface DemoOptions {
  readonly scenario: ScenarioName;
  readonly projectId: string;
  /** Exact number of events to generate. */
  readonly events: number;
  readonly seed: number;
  /** Latest possible event timestamp. */
  readonly end: Date;
  /** Length of the window ending at `end`. */
  readonly days: number;
  /** Events per INSERT (default 2,000,000); the data does not depend on it. */
  readonly chunkEvents?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DemoResult {
  events: number;
  persons: number;
}

const optionsSchema = z.object({
  scenario: z.enum(SCENARIO_NAMES),
  projectId: z.string().min(1),
  events: z.number().int().min(0).max(1e11),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  end: z.date().refine((d) => d.getTime() >= MIN_MS && d.getTime() <= MAX_MS, 'must be between 1900 and 2299'),
  days: z.number().int().min(2).max(36_500),
  chunkEvents: z.number().int().min(1_000).max(50_000_000).optional(),
});

/** The window a generation covers, for callers and tests that reason about it. */
export function demoWindow(options: Pick<DemoOptions, 'end' | 'days' | 'seed'>): ScenarioWindow {
  const endMs = options.end.getTime();
  return { startMs: endMs - options.days * DAY_MS, endMs, seed: options.seed };
}

export async function generateDemo(store: Store, options: DemoOptions): Promise<DemoResult> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new Error(`invalid demo options: ${detail}`);
  }
  const scenario = SCENARIOS[options.scenario];
  const window = demoWindow(options);
  if (window.startMs < MIN_MS) throw new Error('invalid demo options: the window starts before 1900');
  const total = options.events;
  const chunkEvents = options.chunkEvents ?? 2_000_000;
  const base: QueryParams = {
    project: options.projectId,
    seed: options.seed,
    start_ms: window.startMs,
    end_ms: window.endMs,
    reserve_ms: Math.min(scenario.reserveMs, (window.endMs - window.startMs) / 2),
    ...scenario.params?.(window),
  };
  const db = store.database;
  const sql = {
    total: chunkTotalSql(scenario),
    cut: cutSql(scenario),
    events: insertEventsSql(scenario, db),
    persons: insertPersonsSql(scenario, db),
  };

  let done = 0;
  let nextPerson = 0;
  let perPerson = scenario.eventsPerPersonGuess;
  options.onProgress?.(0, total);
  while (done < total) {
    const count = Math.max(1, Math.ceil(Math.min(chunkEvents, total - done) / perPerson * 1.05));
    const chunk = { ...base, first: nextPerson, count };
    const rows = await store.query<{ chunk_total: string }>(sql.total, chunk);
    const chunkTotal = Number(rows[0]?.chunk_total ?? 0);
    if (chunkTotal === 0) throw new Error(`demo scenario ${scenario.name} generated no events for persons ${nextPerson}+`);
    let persons = count;
    let inserted = chunkTotal;
    let cut = { cut_p: nextPerson + count, cut_i: 0 };
    if (done + chunkTotal >= total) {
      const need = total - done;
      const [at] = await store.query<{ person: string; events: string; running: string }>(sql.cut, { ...chunk, need });
      if (!at) throw new Error('demo generation could not locate the last person');
      const p = Number(at.person);
      cut = { cut_p: p, cut_i: need - (Number(at.running) - Number(at.events)) };
      persons = p - nextPerson + 1;
      inserted = need;
    }
    await store.exec(sql.events, { ...chunk, ...cut });
    await store.exec(sql.persons, { ...base, first: nextPerson, count: persons });
    done += inserted;
    nextPerson += persons;
    perPerson = chunkTotal / count;
    options.onProgress?.(done, total);
  }
  return { events: total, persons: nextPerson };
}
