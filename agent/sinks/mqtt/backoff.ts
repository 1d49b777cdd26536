// Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a
// fleet that lost its broker at the same moment does not reconnect in lockstep, and no
// device waits less than half the nominal delay.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    const { initialMs, maxMs, factor = 2, random = Math.random } = this.opts;
    const nominal = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    return nominal / 2 + random() * (nominal / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** takes a token if one is available; else returns the ms until one will be */
  take(): number {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}
