// Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a
// fleet that lost its broker at the same moment does not reconnect in lockstep, and no
// client waits less than half the nominal delay. Used by the agent's MQTT sink and by the
// collector's MQTT transport.

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
