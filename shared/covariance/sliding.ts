// Exact covariance of the last `size` vectors. A ring buffer keeps the window;
// the moments are updated by adding the new vector and removing the evicted one
// (Welford forwards and backwards). Removal amplifies round-off over time, so every
// `size` evictions the moments are recomputed from the buffer by two exact passes:
// O(k²) amortized per vector, with error bounded by one window's worth of updates.
import { validateBatch, validateVector } from './errors.ts';
import { type CovarianceSummary, unbiasedCovariance } from './summary.ts';

export class SlidingWindowCovariance implements CovarianceSummary {
  readonly k: number;
  readonly size: number;
  private readonly ring: Float64Array;
  /** next slot to write */
  private head = 0;
  private count = 0;
  private evictionsSinceRecompute = 0;
  private readonly mu: Float64Array;
  private readonly scatter: Float64Array;
  /** x − μ of add/remove/recompute, reused: two fresh typed arrays per push were two allocations */
  private readonly delta: Float64Array;

  constructor(k: number, size: number) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`k must be a positive integer, got ${k}`);
    if (!Number.isInteger(size) || size < 2) {
      throw new RangeError(`window size must be an integer ≥ 2, got ${size}`);
    }
    this.k = k;
    this.size = size;
    this.ring = new Float64Array(size * k);
    this.mu = new Float64Array(k);
    this.scatter = new Float64Array(k * k);
    this.delta = new Float64Array(k);
  }

  get n(): number {
    return this.count;
  }

  mean(): Float64Array {
    return this.mu.slice();
  }

  covariance(): Float64Array {
    return unbiasedCovariance(this.scatter, this.count);
  }

  push(x: ArrayLike<number>): void {
    validateVector(x, this.k);
    this.insert(x, 0);
  }

  pushBatch(rows: Float64Array | Float32Array, count: number): void {
    validateBatch(rows, count, this.k);
    for (let r = 0; r < count; r++) this.insert(rows, r * this.k);
  }

  private insert(source: ArrayLike<number>, offset: number): void {
    const k = this.k;
    const slot = this.head * k;
    if (this.count === this.size) {
      this.remove(slot);
      this.evictionsSinceRecompute++;
    }
    for (let j = 0; j < k; j++) this.ring[slot + j] = source[offset + j]!;
    this.head = (this.head + 1) % this.size;
    this.add(slot);
    if (this.evictionsSinceRecompute >= this.size) this.recompute();
  }

  /** Welford forwards: M += ((n − 1)/n) d dᵀ with d = x − μ_old. */
  private add(slot: number): void {
    const k = this.k;
    this.count++;
    const n = this.count;
    const d = this.delta;
    for (let j = 0; j < k; j++) {
      d[j] = this.ring[slot + j]! - this.mu[j]!;
      this.mu[j]! += d[j]! / n;
    }
    this.rankOne(d, (n - 1) / n);
  }

  /** Welford backwards: with d = x − μ, μ' = μ − d/(n − 1) and M' = M − (n/(n − 1)) d dᵀ. */
  private remove(slot: number): void {
    const k = this.k;
    const n = this.count;
    const d = this.delta;
    for (let j = 0; j < k; j++) d[j] = this.ring[slot + j]! - this.mu[j]!;
    if (n === 1) {
      this.mu.fill(0);
      this.scatter.fill(0);
    } else {
      for (let j = 0; j < k; j++) this.mu[j]! -= d[j]! / (n - 1);
      this.rankOne(d, -n / (n - 1));
    }
    this.count--;
  }

  private rankOne(d: Float64Array, factor: number): void {
    const k = this.k;
    for (let i = 0; i < k; i++) {
      const di = d[i]! * factor;
      for (let j = 0; j < k; j++) this.scatter[i * k + j]! += di * d[j]!;
    }
  }

  /** Two-pass mean and scatter over the buffered window. */
  private recompute(): void {
    const k = this.k;
    const n = this.count;
    this.mu.fill(0);
    this.scatter.fill(0);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < k; j++) this.mu[j]! += this.ring[r * k + j]!;
    }
    for (let j = 0; j < k; j++) this.mu[j]! /= n;
    const d = this.delta;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < k; j++) d[j] = this.ring[r * k + j]! - this.mu[j]!;
      this.rankOne(d, 1);
    }
    this.evictionsSinceRecompute = 0;
  }
}
