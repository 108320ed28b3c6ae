/**
 * Token bucket per project, counted in events. A burst of one second's worth is allowed so a
 * single full batch never trips it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly eventsPerSecond: number, private readonly now: () => number = Date.now) {}

  /** Takes `cost` tokens, or returns the seconds to wait before retrying. */
  take(key: string, cost: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.eventsPerSecond <= 0) return { ok: true };
    const now = this.now();
    const capacity = Math.max(this.eventsPerSecond, cost);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.eventsPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    const missing = cost - bucket.tokens;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / this.eventsPerSecond)) };
  }
}
