/**
 * Push back before memory and the unloaded log grow without bound: when the loader is further
 * behind than a lag limit (bytes of log, or seconds since the oldest unloaded request), ingest
 * answers 503 with Retry-After, which every Segment SDK retries.
 *
 * Fair between projects: past the limit, a project is refused only while it holds at least its
 * share of the backlog (backlog / projects in it), so one write key's flood does not turn away
 * another project's trickle. Past twice the limit everyone is refused: that bound holds whatever
 * the mix of senders.
 */

export interface BackpressureOptions {
  /** Unloaded log bytes past which ingest is refused (0: no limit). */
  readonly maxLagBytes: number;
  /** Age in ms of the oldest unloaded request past which ingest is refused (0: no limit). */
  readonly maxLagMs: number;
  readonly now: () => number;
  /** Where the loader is: everything before this log position is in the store. */
  readonly loadedPosition: () => number;
}

export interface Overloaded {
  readonly retryAfterSeconds: number;
  readonly message: string;
}

interface Append {
  readonly next: number;
  readonly at: number;
  readonly project: string;
  readonly bytes: number;
}

export class Backpressure {
  private readonly appends: Append[] = [];
  private head = 0;
  private readonly backlog = new Map<string, number>();
  private backlogBytes = 0;

  constructor(private readonly options: BackpressureOptions) {}

  /** Records a request's bytes once they are in the log. */
  noteAppend(project: string, next: number, bytes: number): void {
    this.appends.push({ next, at: this.options.now(), project, bytes });
    this.backlog.set(project, (this.backlog.get(project) ?? 0) + bytes);
    this.backlogBytes += bytes;
  }

  /** Undefined when `project` may write now; otherwise why not and when to retry. */
  check(project: string): Overloaded | undefined {
    this.forgetLoaded();
    const { maxLagBytes, maxLagMs } = this.options;
    const oldest = this.appends[this.head];
    const ageMs = oldest ? this.options.now() - oldest.at : 0;
    const overBytes = maxLagBytes > 0 && this.backlogBytes > maxLagBytes;
    const overAge = maxLagMs > 0 && ageMs > maxLagMs;
    if (!overBytes && !overAge) return undefined;
    const hard = (maxLagBytes > 0 && this.backlogBytes > 2 * maxLagBytes) || (maxLagMs > 0 && ageMs > 2 * maxLagMs);
    const share = this.backlogBytes / Math.max(1, this.backlog.size);
    if (!hard && (this.backlog.get(project) ?? 0) < share) return undefined;
    const what = overBytes
      ? `${this.backlogBytes} bytes of accepted events are waiting to load (limit ${maxLagBytes})`
      : `the oldest accepted event has waited ${Math.round(ageMs / 1000)} s to load (limit ${Math.round(maxLagMs / 1000)} s)`;
    return { retryAfterSeconds: 2, message: `ingest is behind: ${what}; retry later` };
  }

  stats(): { backlogBytes: number; oldestAgeMs: number; projects: number } {
    this.forgetLoaded();
    const oldest = this.appends[this.head];
    return { backlogBytes: this.backlogBytes, oldestAgeMs: oldest ? this.options.now() - oldest.at : 0, projects: this.backlog.size };
  }

  private forgetLoaded(): void {
    const loaded = this.options.loadedPosition();
    while (this.head < this.appends.length && this.appends[this.head]!.next <= loaded) {
      const a = this.appends[this.head]!;
      const left = (this.backlog.get(a.project) ?? 0) - a.bytes;
      if (left <= 0) this.backlog.delete(a.project);
      else this.backlog.set(a.project, left);
      this.backlogBytes -= a.bytes;
      this.head += 1;
    }
    // Compact now and then so the array does not keep every request ever seen.
    if (this.head > 4096 && this.head * 2 > this.appends.length) {
      this.appends.splice(0, this.head);
      this.head = 0;
    }
  }
}
