// Small order statistics shared by the stages: percentiles of recent latencies, of a
// period's reconstruction errors, and the median / MAD behind a warm-up band.

/** Linear-interpolated quantile (q in [0, 1]) of already-sorted values; NaN when empty. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function quantile(values: ArrayLike<number>, q: number): number {
  return sortedQuantile(Float64Array.from(values).sort(), q);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: ArrayLike<number>): number {
  const m = median(values);
  return median(Array.from(values, (v) => Math.abs(v - m)));
}

/**
 * The last `capacity` latencies, for p50 / p99 in health. Bounded so a device that runs
 * for months keeps constant memory, and recent so the figures follow current load.
 */
export class LatencyReservoir {
  static readonly RESORT_EVERY = 16;
  private readonly ring: Float64Array;
  /**
   * A sorted copy, remade once `RESORT_EVERY` values have arrived since the last sort: health
   * reads p50 and p99 every snapshot, and sorting 1024 values per snapshot was a visible cost.
   * The quantiles lag by at most that many inference calls.
   */
  private readonly sorted: Float64Array;
  private sortedCount = 0;
  private sinceSort = 0;
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
    this.sinceSort++;
  }

  /** 0 while nothing has been recorded, so health stays a valid (finite) message */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (this.sortedCount === 0 || this.sinceSort >= LatencyReservoir.RESORT_EVERY) {
      const view = this.sorted.subarray(0, this.count);
      view.set(this.ring.subarray(0, this.count));
      view.sort();
      this.sortedCount = this.count;
      this.sinceSort = 0;
    }
    return sortedQuantile(this.sorted.subarray(0, this.sortedCount), q);
  }
}
