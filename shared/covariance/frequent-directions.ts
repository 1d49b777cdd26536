// Frequent Directions (Liberty 2013; Ghashami et al. 2016): an ℓ×k sketch B of a
// row stream A with 0 ⪯ AᵀA − BᵀB and ‖AᵀA − BᵀB‖₂ ≤ ‖A‖_F²/ℓ. When the sketch is
// full it is rotated onto its singular directions and every squared singular value
// is reduced by δ = σ_ℓ² (the smallest), freeing at least one row. The fast variant
// shrinks by σ_{⌈ℓ/2⌉}², freeing about ℓ/2 rows per SVD (amortized O(kℓ) per row)
// at the price of a factor 2 in the bound. For large k, where k² state is too much.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { DimensionMismatchError, validateBatch, validateVector } from './errors.ts';
import type { CovarianceSummary } from './summary.ts';

export interface FrequentDirectionsOptions {
  /** shrink by the ℓ/2-th singular value (bound ‖A‖_F²·2/ℓ, fewer SVDs) */
  fast?: boolean;
}

export class FrequentDirections {
  readonly k: number;
  readonly ell: number;
  readonly fast: boolean;
  /** ℓ×k row-major; rows [0, filled) are in use */
  private readonly sketch: Float64Array;
  private filled = 0;

  constructor(k: number, ell: number, options: FrequentDirectionsOptions = {}) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`k must be a positive integer, got ${k}`);
    const fast = options.fast ?? false;
    if (!Number.isInteger(ell) || ell < 1) {
      throw new RangeError(`sketch size ℓ must be a positive integer, got ${ell}`);
    }
    this.k = k;
    this.ell = ell;
    this.fast = fast;
    this.sketch = new Float64Array(ell * k);
  }

  push(x: ArrayLike<number>): void {
    validateVector(x, this.k);
    this.insert(x, 0);
  }

  pushBatch(rows: Float64Array | Float32Array, count: number): void {
    validateBatch(rows, count, this.k);
    for (let r = 0; r < count; r++) this.insert(rows, r * this.k);
  }

  /** A sketch of both streams (their rows fed through this one's shrink rule). */
  merge(other: FrequentDirections): FrequentDirections {
    if (other.k !== this.k) throw new DimensionMismatchError(this.k, other.k, 'merged sketch k');
    const out = this.clone();
    for (let r = 0; r < other.filled; r++) out.insert(other.sketch, r * this.k);
    return out;
  }

  clone(): FrequentDirections {
    const out = new FrequentDirections(this.k, this.ell, { fast: this.fast });
    out.sketch.set(this.sketch);
    out.filled = this.filled;
    return out;
  }

  /** The ℓ×k sketch B (rows beyond those in use are zero). */
  rows(): Float64Array {
    return this.sketch.slice();
  }

  /** BᵀB, k×k row-major. */
  gram(): Float64Array {
    const k = this.k;
    const out = new Float64Array(k * k);
    for (let r = 0; r < this.filled; r++) {
      const off = r * k;
      for (let i = 0; i < k; i++) {
        const v = this.sketch[off + i]!;
        if (v === 0) continue;
        for (let j = 0; j < k; j++) out[i * k + j]! += v * this.sketch[off + j]!;
      }
    }
    return out;
  }

  private insert(source: ArrayLike<number>, offset: number): void {
    if (this.filled === this.ell) this.shrink();
    const off = this.filled * this.k;
    for (let j = 0; j < this.k; j++) this.sketch[off + j] = source[offset + j]!;
    this.filled++;
  }

  /**
   * Rotates B onto its right singular vectors and shrinks. The SVD comes from the
   * ℓ×ℓ eigenproblem B Bᵀ = U S² Uᵀ: new row i = √(max(σ_i² − δ, 0)) / σ_i · u_iᵀ B.
   */
  private shrink(): void {
    const { k, ell } = this;
    const b = new Matrix(ell, k);
    for (let r = 0; r < ell; r++) {
      for (let j = 0; j < k; j++) b.set(r, j, this.sketch[r * k + j]!);
    }
    const eig = new EigenvalueDecomposition(b.mmul(b.transpose()), { assumeSymmetric: true });
    const order = eig.realEigenvalues
      .map((value, index) => ({ value: Math.max(value, 0), index }))
      .sort((p, q) => q.value - p.value);
    // Fast: δ = σ²_{⌈ℓ/2⌉} removes ≥ ⌈ℓ/2⌉·δ of Frobenius mass per shrink, hence the
    // factor 2; standard: δ = σ²_ℓ removes ≥ ℓ·δ.
    const delta = order[this.fast ? Math.ceil(ell / 2) - 1 : ell - 1]!.value;
    const u = eig.eigenvectorMatrix;
    this.sketch.fill(0);
    let kept = 0;
    for (const { value, index } of order) {
      if (value <= delta) break;
      const scale = Math.sqrt((value - delta) / value);
      const off = kept * k;
      for (let r = 0; r < ell; r++) {
        const weight = u.get(r, index) * scale;
        if (weight === 0) continue;
        for (let j = 0; j < k; j++) this.sketch[off + j]! += weight * b.get(r, j);
      }
      kept++;
    }
    this.filled = kept;
  }
}

/**
 * A CovarianceSummary backed by Frequent Directions: an exact running mean, and the
 * deviations √((n − 1)/n)·(x − μ_old) fed to the sketch, whose rows' outer products sum
 * to the exact scatter matrix; the sketch's Gram under-approximates it within the FD bound.
 */
export class FrequentDirectionsCovariance implements CovarianceSummary {
  readonly k: number;
  readonly sketch: FrequentDirections;
  private count = 0;
  private readonly mu: Float64Array;

  constructor(k: number, ell: number, options: FrequentDirectionsOptions = {}) {
    this.sketch = new FrequentDirections(k, ell, options);
    this.k = k;
    this.mu = new Float64Array(k);
  }

  get n(): number {
    return this.count;
  }

  mean(): Float64Array {
    return this.mu.slice();
  }

  covariance(): Float64Array {
    const gram = this.sketch.gram();
    if (this.count < 2) return gram.fill(0);
    for (let i = 0; i < gram.length; i++) gram[i]! /= this.count - 1;
    return gram;
  }

  push(x: ArrayLike<number>): void {
    validateVector(x, this.k);
    this.count++;
    const n = this.count;
    const root = Math.sqrt((n - 1) / n);
    const deviation = new Float64Array(this.k);
    for (let j = 0; j < this.k; j++) {
      const d = x[j]! - this.mu[j]!;
      deviation[j] = root * d;
      this.mu[j]! += d / n;
    }
    this.sketch.push(deviation);
  }

  pushBatch(rows: Float64Array | Float32Array, count: number): void {
    validateBatch(rows, count, this.k);
    for (let r = 0; r < count; r++) this.push(rows.subarray(r * this.k, (r + 1) * this.k));
  }
}
