// Rate-limited logging for the agent and the collector: a fault that repeats (a full disk, a
// device sending garbage) is logged when it starts and then at most once per period, so it
// does not fill the journal as well. Time is an argument, so it is tested without a clock.

/** Logs each key at most once per period, reporting how many were held back meanwhile. */
export class LogLimiter {
  private readonly seen = new Map<string, { at: number; held: number }>();
  constructor(private readonly periodMs: number) {}
  /** null: do not log now; otherwise the count suppressed since the last log line. */
  take(key: string, now: number): number | null {
    const e = this.seen.get(key);
    if (e && now - e.at < this.periodMs) {
      e.held++;
      return null;
    }
    this.seen.set(key, { at: now, held: 0 });
    return e?.held ?? 0;
  }
}
