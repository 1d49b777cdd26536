// A token bucket: `rate` tokens per second, at most `burst` saved up. The agent paces its
// outbox sends with one; the collector limits each device's message rate with one per device.
// Time comes in as an argument, so callers step it (a clock, or the message's arrival time).

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(rate > 0) || !(burst >= 1))
      throw new RangeError(`token bucket needs rate > 0 and burst ≥ 1, got ${rate}, ${burst}`);
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token if one is there and returns 0; else returns the ms until one will be. */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}
