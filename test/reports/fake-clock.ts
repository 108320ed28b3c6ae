/** A clock and timers that only move when a test says so. */
import type { SchedulerClock } from '../../src/reports/scheduler.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Lets promise chains started by a timer run to their next real wait (no wall time involved). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements SchedulerClock {
  private timers: Timer[] = [];
  private nextId = 0;

  constructor(private t: number) {}

  now = (): number => this.t;

  setTimer = (fn: () => void, ms: number): unknown => {
    const timer = { id: ++this.nextId, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  };

  clearTimer = (handle: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== handle);
  };

  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in time order and settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}
