// The one shape of time the agent and the collector are given: production passes the system's,
// tests pass a virtual one they step, so code that waits for a timer is tested without sleeping.

export interface Clock {
  /** epoch ms */
  now(): number;
}

export interface Timer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Lets the process exit while the timer is pending (Node's `unref`). Optional: a virtual
   * timer holds no process open, so it has nothing to release.
   */
  unref?(handle: unknown): void;
}

/** A Timer that also repeats (the collector's tick and summary timers). */
export interface IntervalTimer extends Timer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimer: IntervalTimer = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  unref: (handle) => void (handle as NodeJS.Timeout).unref(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};
