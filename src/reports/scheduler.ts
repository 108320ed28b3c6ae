/**
 * Fires report runs when their cron schedules come due (in each project's time zone), and
 * retries failed runs with exponential backoff. Time comes from an injected clock and timers, so
 * tests move time forward by hand and never wait.
 *
 * - A due time that passes while the process is not running is not replayed: the next run picks
 *   up everything since the last watermark anyway.
 * - A run still going at the next due time: the runner records that due run as `skipped`.
 * - A failed run is retried after base × 2^(attempt−1) (capped) until `maxAttempts`; a due time
 *   arriving first replaces the pending retry (the new run covers the same data).
 */
import { nextRun, parseCron, type CronSchedule } from './cron.js';
import type { RunnerLog } from './report-runner.js';

export interface SchedulerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_CLOCK: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Timers of scheduled reports must not keep a CLI process alive.
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ScheduledEntry {
  /** Unique per report (project and report id). */
  readonly id: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly maxAttempts: number;
}

export type RunResult = 'finished' | 'failed' | 'skipped' | 'gone';

export interface SchedulerDeps {
  readonly clock: SchedulerClock;
  /** Every report that has a schedule. */
  entries(): Promise<ScheduledEntry[]>;
  run(id: string, trigger: 'schedule' | 'retry', attempt: number): Promise<RunResult>;
  readonly log: RunnerLog;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Timers are re-armed at least this often, so long delays stay within setTimeout's range. */
const MAX_TIMER_MS = 3_600_000;

interface Slot {
  entry: ScheduledEntry;
  cron: CronSchedule;
  due: number | null;
  timer: unknown;
  retry: unknown;
}

export class ReportScheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.retryBaseMs = deps.retryBaseMs ?? 60_000;
    this.retryMaxMs = deps.retryMaxMs ?? 30 * 60_000;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh();
  }

  /** Re-reads the schedules (after a report was created, changed or deleted). */
  async refresh(): Promise<void> {
    if (this.stopped) return;
    const entries = await this.deps.entries();
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.id);
      const slot = this.slots.get(entry.id);
      if (slot && slot.entry.schedule === entry.schedule && slot.entry.timezone === entry.timezone) {
        slot.entry = entry;
        continue;
      }
      if (slot) this.clear(slot);
      let cron: CronSchedule;
      try {
        cron = parseCron(entry.schedule);
      } catch (err) {
        this.deps.log.error({ report: entry.id, err: (err as Error).message }, 'report schedule is invalid; not scheduled');
        continue;
      }
      const fresh: Slot = { entry, cron, due: null, timer: undefined, retry: undefined };
      this.slots.set(entry.id, fresh);
      this.planNext(fresh, this.deps.clock.now());
    }
    for (const [id, slot] of this.slots) {
      if (!seen.has(id)) {
        this.clear(slot);
        this.slots.delete(id);
      }
    }
  }

  /** When a report runs next (epoch ms), or null. */
  nextDue(id: string): number | null {
    return this.slots.get(id)?.due ?? null;
  }

  /** Stops firing and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) this.clear(slot);
    this.slots.clear();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private clear(slot: Slot): void {
    if (slot.timer !== undefined) this.deps.clock.clearTimer(slot.timer);
    if (slot.retry !== undefined) this.deps.clock.clearTimer(slot.retry);
    slot.timer = undefined;
    slot.retry = undefined;
  }

  private planNext(slot: Slot, afterMs: number): void {
    slot.due = nextRun(slot.cron, afterMs, slot.entry.timezone);
    this.arm(slot);
  }

  private arm(slot: Slot): void {
    if (slot.timer !== undefined) this.deps.clock.clearTimer(slot.timer);
    slot.timer = undefined;
    if (slot.due === null || this.stopped) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, slot.due - this.deps.clock.now()));
    slot.timer = this.deps.clock.setTimer(() => this.fire(slot), delay);
  }

  private fire(slot: Slot): void {
    slot.timer = undefined;
    if (this.stopped || this.slots.get(slot.entry.id) !== slot || slot.due === null) return;
    const now = this.deps.clock.now();
    if (now < slot.due) {
      this.arm(slot);
      return;
    }
    if (slot.retry !== undefined) {
      this.deps.clock.clearTimer(slot.retry);
      slot.retry = undefined;
    }
    const due = slot.due;
    this.launch(slot, 'schedule', 1);
    this.planNext(slot, Math.max(now, due));
  }

  private launch(slot: Slot, trigger: 'schedule' | 'retry', attempt: number): void {
    const id = slot.entry.id;
    const p = this.deps.run(id, trigger, attempt).then(
      (result) => {
        if (result !== 'failed' || this.stopped || this.slots.get(id) !== slot) return;
        if (attempt >= slot.entry.maxAttempts) {
          this.deps.log.error({ report: id, attempts: attempt }, 'report run failed; no attempts left until the next due time');
          return;
        }
        const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
        this.deps.log.warn({ report: id, attempt, retryInMs: delay }, 'report run failed; retrying');
        slot.retry = this.deps.clock.setTimer(() => {
          slot.retry = undefined;
          if (!this.stopped && this.slots.get(id) === slot) this.launch(slot, 'retry', attempt + 1);
        }, delay);
      },
      (err: unknown) => this.deps.log.error({ report: id, err: (err as Error).message }, 'report run could not start'),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
