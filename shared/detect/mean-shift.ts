// Mean-shift drift: the mean term of the Gaussian KL drift (docs/measures.md) on a
// short sliding mean of the input channels,
//
//   D_mean = ½ (μ_w − μ_0)ᵀ Σ_0⁻¹ (μ_w − μ_0) = KL( N(μ_w, Σ_0) ‖ N(μ_0, Σ_0) ),
//
// i.e. a Hotelling T² of the last w samples' mean, halved so it is in nats like `drift`.
// Why not the full KL: on SKAB the faults are level shifts, and a covariance estimated from
// a short live window (tens of samples, heavily autocorrelated) is mostly estimation noise;
// its trace and log-det terms then swamp the mean term (bench/skab/README.md has the numbers).
// Dropping them keeps the part of the drift that carries the signal.
import { RunningCovariance } from '../covariance/welford.ts';
import { cholesky, choleskySolve, type CholeskyFactor } from '../linalg/cholesky.ts';
import { inverseDiagonal, reconstructionContributions, shares } from './attribution.ts';

/** Relative ridge on the baseline covariance: quantized or near-constant channels stay invertible. */
export const DEFAULT_RIDGE = 1e-6;

export interface MeanShiftOptions {
  /** channels per sample */
  k: number;
  /** samples in the sliding mean (w) */
  window: number;
  /** samples that fit the baseline (μ_0, Σ_0); the baseline freezes after them */
  fitSamples: number;
  /** ridge added to Σ_0's diagonal, relative to its mean diagonal */
  ridge?: number;
  /**
   * Time constant, in samples, of a slowly adapting μ_0 after the fit (an exponentially
   * weighted mean: each sample moves μ_0 by 1/adaptWindow of its distance); 0: μ_0 stays as
   * fitted. Healthy plants wander over minutes; a fault arrives in seconds, and adaptation
   * pauses (`paused`) while the caller judges an episode open.
   */
  adaptWindow?: number;
}

/** A re-baseline: μ_0 before and after, and the accepted shift per channel in Σ_0's σ. */
export interface Rebaseline {
  before: Float64Array;
  after: Float64Array;
  /** (after − before) / σ_0 per channel */
  shift: Float64Array;
}

/** A frozen baseline: μ_0, the Cholesky factor of the ridged Σ_0, and Σ_0's σ per channel. */
export interface MeanShiftBaseline {
  mean: Float64Array;
  factor: CholeskyFactor;
  sd: Float64Array;
}

/** ½ dᵀ Σ_0⁻¹ d with d = mean − μ_0. */
export function meanShiftKl(baseline: MeanShiftBaseline, mean: ArrayLike<number>): number {
  const k = baseline.mean.length;
  const d = new Float64Array(k);
  for (let i = 0; i < k; i++) d[i] = mean[i]! - baseline.mean[i]!;
  const x = choleskySolve(baseline.factor, d);
  let s = 0;
  for (let i = 0; i < k; i++) s += d[i]! * x[i]!;
  return 0.5 * s;
}

/** Freezes a baseline from a running summary; throws when it has too few samples. */
export function freezeBaseline(
  summary: RunningCovariance,
  ridge = DEFAULT_RIDGE,
): MeanShiftBaseline {
  const k = summary.k;
  if (summary.n < 2) throw new RangeError(`a baseline needs ≥ 2 samples, got ${summary.n}`);
  const cov = summary.covariance();
  let diag = 0;
  for (let i = 0; i < k; i++) diag += cov[i * k + i]!;
  // A dead channel (zero variance) still gets a positive pivot from the floor.
  const eps = ridge * Math.max(diag / k, Number.MIN_VALUE) + Number.MIN_VALUE;
  for (let i = 0; i < k; i++) cov[i * k + i]! += eps;
  const sd = new Float64Array(k);
  for (let i = 0; i < k; i++) sd[i] = Math.sqrt(cov[i * k + i]!);
  const factor = cholesky(cov, k, 0);
  if (!factor) throw new RangeError('baseline covariance is not positive definite');
  return { mean: summary.mean(), factor, sd };
}

/**
 * Streaming detector: the first `fitSamples` samples fit the baseline, every later sample
 * yields D_mean of the last `window` samples (null before that). O(k²) per sample.
 */
export class MeanShiftDetector {
  readonly k: number;
  readonly window: number;
  readonly fitSamples: number;
  private readonly ridge: number;
  private readonly adaptRate: number;
  /** while true μ_0 does not adapt (an episode is open) */
  paused = false;
  private readonly fit: RunningCovariance;
  private baseline: MeanShiftBaseline | null = null;
  /** diag(Σ_0⁻¹), formed on the first `contributions()`: Σ_0 never changes after the fit */
  private invDiag: Float64Array | null = null;
  /** ring of the last `window` samples and their running sum */
  private readonly ring: Float64Array;
  private readonly sum: Float64Array;
  private readonly scratch: Float64Array;
  private head = 0;
  private filled = 0;
  private seen = 0;

  constructor(o: MeanShiftOptions) {
    if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`k must be ≥ 1, got ${o.k}`);
    if (!Number.isInteger(o.window) || o.window < 1) {
      throw new RangeError(`window must be ≥ 1, got ${o.window}`);
    }
    if (!Number.isInteger(o.fitSamples) || o.fitSamples < 2) {
      throw new RangeError(`fitSamples must be ≥ 2, got ${o.fitSamples}`);
    }
    this.k = o.k;
    this.window = o.window;
    this.fitSamples = o.fitSamples;
    this.ridge = o.ridge ?? DEFAULT_RIDGE;
    const adapt = o.adaptWindow ?? 0;
    if (!(adapt === 0 || adapt >= 1)) {
      throw new RangeError(`adaptWindow must be 0 (off) or ≥ 1 sample, got ${adapt}`);
    }
    this.adaptRate = adapt === 0 ? 0 : 1 / adapt;
    this.fit = new RunningCovariance(o.k);
    this.ring = new Float64Array(o.k * o.window);
    this.sum = new Float64Array(o.k);
    this.scratch = new Float64Array(o.k);
  }

  get frozen(): boolean {
    return this.baseline !== null;
  }

  /** Adds one sample; returns D_mean once the baseline is frozen, else null. */
  push(x: ArrayLike<number>): number | null {
    this.add(x);
    return this.value();
  }

  /**
   * Adds one sample without evaluating the statistic: a caller that needs D_mean only every
   * so many samples (once per window) pays the O(k²) solve only then.
   */
  add(x: ArrayLike<number>): void {
    const { k } = this;
    if (x.length !== k) throw new RangeError(`sample has ${x.length} values, expected ${k}`);
    for (let i = 0; i < k; i++) {
      if (!Number.isFinite(x[i])) throw new RangeError(`sample value ${i} is not finite`);
    }
    this.seen++;
    if (!this.baseline) {
      this.fit.push(x);
      if (this.seen === this.fitSamples) this.baseline = freezeBaseline(this.fit, this.ridge);
    } else if (this.adaptRate > 0 && !this.paused) {
      const mu = this.baseline.mean;
      for (let i = 0; i < k; i++) mu[i]! += this.adaptRate * (x[i]! - mu[i]!);
    }
    const at = this.head * k;
    for (let i = 0; i < k; i++) {
      if (this.filled === this.window) this.sum[i]! -= this.ring[at + i]!;
      this.ring[at + i] = x[i]!;
      this.sum[i]! += x[i]!;
    }
    this.head = (this.head + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  /**
   * Re-fits μ_0 on the new level: the mean of the last `window` samples (D_mean is then 0).
   * Σ_0 is kept: a shifted process is assumed to keep its noise. Null before the fit.
   */
  rebaseline(): Rebaseline | null {
    if (!this.baseline) return null;
    const { k } = this;
    const before = Float64Array.from(this.baseline.mean);
    const after = new Float64Array(k);
    const shift = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      after[i] = this.sum[i]! / this.filled;
      const sd = this.baseline.sd[i]!;
      shift[i] = sd > 0 ? (after[i]! - before[i]!) / sd : 0;
    }
    this.baseline.mean.set(after);
    return { before, after, shift };
  }

  /** D_mean of the last `window` samples; null until a sample after the fit has arrived. */
  value(): number | null {
    if (!this.baseline || this.seen <= this.fitSamples) return null;
    const { k } = this;
    for (let i = 0; i < k; i++) this.scratch[i] = this.sum[i]! / this.filled;
    return meanShiftKl(this.baseline, this.scratch);
  }

  /**
   * Each channel's share of the statistic: its reconstruction-based contribution
   * (shared/detect/attribution.ts) to dᵀΣ_0⁻¹d of the current sliding mean, normalized to
   * sum 1. Null when `value()` is, or when d = 0 (nothing to attribute). O(k²) per call, so a
   * caller asks once per reading, not per sample.
   */
  contributions(): Float64Array | null {
    if (!this.baseline || this.seen <= this.fitSamples) return null;
    const { k } = this;
    const d = new Float64Array(k);
    for (let i = 0; i < k; i++) d[i] = this.sum[i]! / this.filled - this.baseline.mean[i]!;
    this.invDiag ??= inverseDiagonal(this.baseline.factor);
    return shares(
      reconstructionContributions(choleskySolve(this.baseline.factor, d), this.invDiag),
    );
  }
}

/**
 * A threshold from calibration values (the statistic on held-out warm-up data): the median
 * plus `margin` times the distance from the median to the q-quantile (linear interpolation).
 * Measured from the median rather than from 0, so a statistic with a large offset (a
 * reconstruction error) gets the same relative head-room as one that starts at 0 (a drift).
 * Non-finite values are ignored.
 */
export function calibratedThreshold(values: readonly number[], q: number, margin: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  if (!(margin > 0)) throw new RangeError(`margin must be > 0, got ${margin}`);
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) throw new RangeError('no finite calibration values');
  const at = (p: number): number => {
    const pos = p * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, v.length - 1);
    return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
  };
  const med = at(0.5);
  return med + margin * (at(q) - med);
}

/**
 * The calibration policy of bench/skab (config.ts `threshold`): median + 1.5 × (max − median)
 * of the statistic on held-out warm-up data. The agent's per-device limits use it too.
 */
export const DEFAULT_CALIBRATION = { quantile: 1, margin: 1.5 } as const;
