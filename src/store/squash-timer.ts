/**
 * Runs the timeline squash (store/timeline-squash.ts) every so often while the server is up, so
 * the overrides queries apply stay few. One squash at a time: a tick that finds the previous one
 * still running is skipped. Each tick costs two counts when nothing is pending.
 *
 * @example
 *   const timer = new SquashTimer(store, { everyMs: 30_000, onError: (e) => log.error(e) });
 *   timer.start();
 *   await timer.stop(); // before closing the store
 */
import type { Store } from './store.js';
import { squashOverrides, type SquashOptions, type SquashReport } from './timeline-squash.js';

export interface SquashTimerOptions extends SquashOptions {
  readonly everyMs: number;
  readonly onError: (err: unknown) => void;
  readonly onSquash?: (report: SquashReport) => void;
}

export class SquashTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly options: SquashTimerOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.everyMs);
    // The squash never keeps a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Runs one squash now unless one is running; resolves when it is done. */
  tick(): Promise<void> {
    this.running ??= squashOverrides(this.store, this.options)
      .then((report) => { if (report.runs > 0) this.options.onSquash?.(report); })
      // A failed run is finished by the next tick (its phases are persisted).
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => { this.running = null; });
    return this.running;
  }

  /** Stops ticking and waits for a running squash, so the store can close under no statement. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
