/**
 * Counts failures per client in fixed windows: a client past `max`
 * failures in a window is refused until the window ends. Only failures
 * count, so a client whose requests succeed is never limited. In memory:
 * bounded by `maxClients` (the oldest windows are dropped first).
 */
export class FailureLimit {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly limit: { max: number; windowMs: number },
    private readonly maxClients = 10_000,
  ) {}

  /** Milliseconds until the client may fail again; 0 when it is within its limit. */
  blockedFor(client: string, now: number): number {
    const window = this.windows.get(client);
    if (!window || window.endsAt <= now) return 0;
    return window.count >= this.limit.max ? window.endsAt - now : 0;
  }

  /** Records one failure. */
  fail(client: string, now: number): void {
    const window = this.windows.get(client);
    if (window && window.endsAt > now) {
      window.count++;
      return;
    }
    this.windows.delete(client);
    if (this.windows.size >= this.maxClients) this.prune(now);
    this.windows.set(client, { count: 1, endsAt: now + this.limit.windowMs });
  }

  private prune(now: number): void {
    for (const [client, window] of this.windows) if (window.endsAt <= now) this.windows.delete(client);
    // Still full: drop the oldest (Map keeps insertion order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(client);
    }
  }
}
