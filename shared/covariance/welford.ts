// Exact running mean and covariance (Welford's update per vector, Chan's merge per
// batch or per summary). Float64 throughout; two summaries merge exactly, so windows,
// devices and shards can be combined.
import {
  type AsyncGramKernel,
  type BatchMoments,
  type GramKernel,
  type ShiftedMomentsKernel,
  allFinite,
  blockedGramKernel,
  centerBatch,
  mergeMomentsInto,
  mergeShiftedMomentsInto,
} from './gram.ts';
import { DimensionMismatchError, validateBatch, validateVector } from './errors.ts';
import { type CovarianceSnapshot, type CovarianceSummary, unbiasedCovariance } from './summary.ts';

export class RunningCovariance implements CovarianceSummary {
  readonly k: number;
  private count = 0;
  private readonly mu: Float64Array;
  /** M = Σ (x − μ)(x − μ)ᵀ, full symmetric k×k */
  private readonly scatter: Float64Array;
  /** reused centering buffer for batches */
  private scratch: Float64Array | undefined;
  /** x − μ of push(): a small typed array costs an external allocation, every sample */
  private readonly delta: Float64Array;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`k must be a positive integer, got ${k}`);
    this.k = k;
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

  /** M = Σ (x − μ)(x − μ)ᵀ (a copy). */
  scatterMatrix(): Float64Array {
    return this.scatter.slice();
  }

  /**
   * Welford's update in its symmetric form: d = x − μ_old, μ += d / n,
   * M += ((n − 1) / n) d dᵀ. O(k²) per vector; the full matrix is updated.
   */
  push(x: ArrayLike<number>): void {
    const k = this.k;
    validateVector(x, k);
    this.count++;
    const n = this.count;
    const d = this.delta;
    for (let j = 0; j < k; j++) {
      d[j] = x[j]! - this.mu[j]!;
      this.mu[j]! += d[j]! / n;
    }
    const factor = (n - 1) / n;
    for (let i = 0; i < k; i++) {
      const di = d[i]! * factor;
      const row = i * k;
      for (let j = 0; j < k; j++) this.scatter[row + j]! += di * d[j]!;
    }
  }

  /** Adds `count` row-major vectors: exact batch moments via `kernel`, then Chan's merge. */
  pushBatch(
    rows: Float64Array | Float32Array,
    count: number,
    kernel: GramKernel = blockedGramKernel,
  ): void {
    validateBatch(rows, count, this.k);
    if (count === 0) return;
    const batch = this.centered(rows, count);
    this.absorb({
      weight: batch.weight,
      mean: batch.mean,
      scatter: kernel.gram(batch.centered, count, this.k),
    });
  }

  /**
   * As pushBatch, with the product computed by an asynchronous (native) kernel. A
   * ShiftedMomentsKernel (the onnxruntime float64 kernel) does the shift, the product and
   * the column sums in one native call and only the O(k²) merge runs here; `rows` must
   * then stay unchanged until the promise settles (it is not copied). Non-finite input
   * rejects with NonFiniteInputError and leaves the summary unchanged.
   */
  async pushBatchAsync(
    rows: Float64Array | Float32Array,
    count: number,
    kernel: AsyncGramKernel | ShiftedMomentsKernel,
  ): Promise<void> {
    if (!('shiftedMomentsAsync' in kernel)) {
      validateBatch(rows, count, this.k);
      if (count === 0) return;
      // The kernel may run while other work proceeds; do not share the scratch buffer.
      const batch = centerBatch(rows, count, this.k);
      const scatter = await kernel.gramAsync(batch.centered, count, this.k);
      this.absorb({ weight: batch.weight, mean: batch.mean, scatter });
      return;
    }
    const k = this.k;
    validateBatchShape(rows, count, k);
    if (count === 0) return;
    const data =
      rows instanceof Float64Array ? rows : Float64Array.from(rows.subarray(0, count * k));
    // Shift by the running mean once it outweighs the batch, else by the batch's first
    // row: either bounds the cancellation in G − c cᵀ / n (see mergeShiftedMomentsInto).
    // A copy, so batches merged while this one waits cannot change it.
    const shift = this.count >= count ? this.mu.slice() : data.slice(0, k);
    await kernel.shiftedMomentsAsync(data, count, k, shift, (moments) => {
      // A non-finite input makes its column sum non-finite: only then scan for it
      // (throws, naming row and column) — before any state changes.
      if (!allFinite(moments.sums, k)) validateBatch(rows, count, k);
      const state = { weight: this.count, mean: this.mu, scatter: this.scatter };
      mergeShiftedMomentsInto(state, count, shift, moments);
      this.count = state.weight;
    });
  }

  /** Chan's merge: a new summary equal to one pass over both inputs. */
  merge(other: RunningCovariance): RunningCovariance {
    if (other.k !== this.k) throw new DimensionMismatchError(this.k, other.k, 'merged summary k');
    const out = this.clone();
    out.absorb({ weight: other.count, mean: other.mu, scatter: other.scatter });
    return out;
  }

  clone(): RunningCovariance {
    const out = new RunningCovariance(this.k);
    out.count = this.count;
    out.mu.set(this.mu);
    out.scatter.set(this.scatter);
    return out;
  }

  toSnapshot(): CovarianceSnapshot {
    return {
      k: this.k,
      n: this.count,
      mean: Array.from(this.mu),
      scatter: Array.from(this.scatter),
    };
  }

  static fromSnapshot(s: CovarianceSnapshot): RunningCovariance {
    const out = new RunningCovariance(s.k);
    if (!Number.isInteger(s.n) || s.n < 0) throw new RangeError(`snapshot n is invalid: ${s.n}`);
    if (s.mean.length !== s.k)
      throw new DimensionMismatchError(s.k, s.mean.length, 'snapshot mean');
    if (s.scatter.length !== s.k * s.k) {
      throw new DimensionMismatchError(s.k * s.k, s.scatter.length, 'snapshot scatter');
    }
    validateVector(s.mean, s.k);
    validateVector(s.scatter, s.k * s.k);
    out.count = s.n;
    out.mu.set(s.mean);
    out.scatter.set(s.scatter);
    return out;
  }

  private centered(rows: ArrayLike<number>, count: number) {
    if (!this.scratch || this.scratch.length < count * this.k) {
      this.scratch = new Float64Array(count * this.k);
    }
    return centerBatch(rows, count, this.k, undefined, this.scratch);
  }

  private absorb(batch: BatchMoments): void {
    const state = { weight: this.count, mean: this.mu, scatter: this.scatter };
    mergeMomentsInto(state, batch);
    this.count = state.weight;
  }
}

/** validateBatch without the per-entry scan (the native path detects non-finite input). */
function validateBatchShape(rows: ArrayLike<number>, count: number, k: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`batch count must be a non-negative integer, got ${count}`);
  }
  if (rows.length < count * k) {
    throw new DimensionMismatchError(count * k, rows.length, `batch of ${count} rows × ${k}`);
  }
}
