// Covariance with exponential forgetting: every new vector enters with weight 1 and
// all earlier weights are multiplied by (1 − β). The total weight W converges to 1/β,
// so the summary remembers about the last 1/β vectors; `n` reports W.
import { blockedGramKernel, centerBatch, type GramKernel, mergeMomentsInto } from './gram.ts';
import { validateBatch, validateVector } from './errors.ts';
import type { CovarianceSummary } from './summary.ts';

export class ForgettingCovariance implements CovarianceSummary {
  readonly k: number;
  readonly beta: number;
  private weight = 0;
  private readonly mu: Float64Array;
  /** weighted scatter Σ w (x − μ)(x − μ)ᵀ */
  private readonly scatter: Float64Array;
  /** x − μ of push(), reused: a fresh small typed array per sample is an external allocation */
  private readonly delta: Float64Array;

  constructor(k: number, beta: number) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`k must be a positive integer, got ${k}`);
    if (!(beta > 0 && beta < 1)) throw new RangeError(`beta must be in (0, 1), got ${beta}`);
    this.k = k;
    this.beta = beta;
    this.mu = new Float64Array(k);
    this.scatter = new Float64Array(k * k);
    this.delta = new Float64Array(k);
  }

  /** effective sample count Σ weights (→ 1/β at steady state) */
  get n(): number {
    return this.weight;
  }

  mean(): Float64Array {
    return this.mu.slice();
  }

  /** Weighted scatter / (W − 1): the frequency-weight convention, so β → 0 gives Welford. */
  covariance(): Float64Array {
    const out = new Float64Array(this.k * this.k);
    if (this.weight <= 1) return out;
    const scale = 1 / (this.weight - 1);
    for (let i = 0; i < out.length; i++) out[i] = this.scatter[i]! * scale;
    return out;
  }

  push(x: ArrayLike<number>): void {
    validateVector(x, this.k);
    this.decay(1);
    const k = this.k;
    const w = this.weight + 1;
    const factor = this.weight / w;
    const d = this.delta;
    for (let j = 0; j < k; j++) {
      d[j] = x[j]! - this.mu[j]!;
      this.mu[j]! += d[j]! / w;
    }
    for (let i = 0; i < k; i++) {
      const di = d[i]! * factor;
      for (let j = 0; j < k; j++) this.scatter[i * k + j]! += di * d[j]!;
    }
    this.weight = w;
  }

  /** Row r of a batch of `count` gets weight (1 − β)^(count − 1 − r), then Chan's merge. */
  pushBatch(
    rows: Float64Array | Float32Array,
    count: number,
    kernel: GramKernel = blockedGramKernel,
  ): void {
    validateBatch(rows, count, this.k);
    if (count === 0) return;
    const keep = 1 - this.beta;
    const weights = new Float64Array(count);
    for (let r = count - 1, w = 1; r >= 0; r--, w *= keep) weights[r] = w;
    const batch = centerBatch(rows, count, this.k, weights);
    this.decay(count);
    const state = { weight: this.weight, mean: this.mu, scatter: this.scatter };
    mergeMomentsInto(state, {
      weight: batch.weight,
      mean: batch.mean,
      scatter: kernel.gram(batch.centered, count, this.k),
    });
    this.weight = state.weight;
  }

  /** Ages the existing weights by `steps` arrivals; the mean is unchanged by a uniform scale. */
  private decay(steps: number): void {
    const factor = (1 - this.beta) ** steps;
    this.weight *= factor;
    for (let i = 0; i < this.scatter.length; i++) this.scatter[i]! *= factor;
  }
}
