/**
 * Callers parked until the log's durable end passes a position: the loader and live streams
 * tailing the log wait here instead of polling it.
 */
interface Waiter {
  readonly after: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class PositionWaiters {
  private readonly waiters = new Set<Waiter>();

  /** Resolves at the first `wake(end)` with end > after; rejects with the signal's reason on abort. */
  wait(after: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.reject(signal?.reason);
      const done = (): void => {
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        after,
        resolve: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  wake(end: number): void {
    for (const waiter of [...this.waiters]) if (end > waiter.after) waiter.resolve();
  }

  rejectAll(err: Error): void {
    for (const waiter of [...this.waiters]) waiter.reject(err);
  }
}
