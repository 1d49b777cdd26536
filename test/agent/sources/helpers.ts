// Small statistics and virtual-time helpers for the source tests.
import type { VirtualTimeScheduler } from 'rxjs';

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
}

export function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Column c of a list of samples. */
export function column(rows: readonly Float64Array[], c: number): number[] {
  return rows.map((r) => r[c]!);
}

/**
 * Drives a VirtualTimeScheduler while async I/O (file reads) fills the feeds: flush what is
 * scheduled, let the event loop run, repeat until `done()` or nothing more happens.
 */
export async function runVirtual(
  scheduler: VirtualTimeScheduler,
  done: () => boolean,
  maxRounds = 100_000,
): Promise<void> {
  for (let round = 0; round < maxRounds && !done(); round++) {
    scheduler.flush();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!done()) throw new Error('virtual run did not finish');
}
