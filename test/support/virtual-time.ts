// A Clock and Timer that only move when a test says so: code that waits for a timer (a
// group-commit window, a coalescing delay, a reconnect backoff) is tested by stepping time
// instead of sleeping, so the test neither races the machine's load nor waits for nothing.
import type { Clock, IntervalTimer } from '../../shared/clock.ts';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
  /** the period of an interval; null for a timeout */
  every: number | null;
}

/** Node's coercion: a delay below 1 ms (or above a 32-bit signed int) runs after 1 ms. */
function delayOf(ms: number): number {
  return Number.isFinite(ms) && ms >= 1 && ms <= 2 ** 31 - 1 ? Math.trunc(ms) : 1;
}

export class VirtualTime implements Clock, IntervalTimer {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `start`: what now() reads before the first advance (epoch ms) */
  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): number {
    return this.schedule(fn, delayOf(ms), null);
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): number {
    const every = delayOf(ms);
    return this.schedule(fn, every, every);
  }

  clearInterval(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** timers not yet run or cleared */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way in order of its
   * due time (ties: in the order they were set), with now() reading that due time while it
   * runs. A timer set by a callback runs in this same advance when it falls due within it.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advance: ${ms} ms is not a duration`);
    const end = this.t + ms;
    for (let p = this.nextDue(end); p; p = this.nextDue(end)) {
      this.t = p.due;
      if (p.every === null) this.pending.delete(p.id);
      else p.due += p.every;
      p.fn();
    }
    this.t = end;
  }

  private schedule(fn: () => void, delay: number, every: number | null): number {
    const id = this.nextId++;
    this.pending.set(id, { id, due: this.t + delay, fn, every });
    return id;
  }

  /** the earliest timer due at or before `end` (Map order breaks ties by insertion) */
  private nextDue(end: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.due <= end && (!best || p.due < best.due)) best = p;
    }
    return best;
  }
}
