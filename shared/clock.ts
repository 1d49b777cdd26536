// The one shape of time the agent and the collector are given: production passes the system's,
// tests pass a virtual one they step, so code that waits for a timer is tested without sleeping.

export interface Clock {
  /** epoch ms */
  now(): number;
}

export interface Timer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimer: Timer = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
