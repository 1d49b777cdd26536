// Gaussian closed forms of the redundancy measures (docs/measures.md), as pure
// functions of the correlation matrix R or its eigenvalues λ. A result of null means +∞.
// Products over eigenvalues are taken as sums of logarithms so large k cannot overflow.
import type { BartlettResult } from './types.ts';
import { chiSquaredSurvival } from '../stats/gamma.ts';
import { symmetricEigenvalues as eigenvaluesDescending } from '../linalg/symmetric-eigen.ts';

/**
 * R = D^{-1/2} Σ D^{-1/2}, with an exact unit diagonal. Variances must be positive. `out`
 * (k·k values) receives R when given, so a caller that only reads R can reuse one buffer.
 */
export function correlationFromCovariance(
  covariance: ArrayLike<number>,
  k: number,
  out?: Float64Array,
): Float64Array {
  if (covariance.length !== k * k) {
    throw new RangeError(`covariance: expected ${k * k} entries, got ${covariance.length}`);
  }
  if (out && out.length !== k * k) {
    throw new RangeError(`correlation: expected an output of ${k * k} entries, got ${out.length}`);
  }
  const inverseSd = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const variance = covariance[i * k + i]!;
    if (!(variance > 0)) throw new RangeError(`channel ${i} has variance ${variance}`);
    inverseSd[i] = 1 / Math.sqrt(variance);
  }
  const r = out ?? new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      // Symmetrize so round-off in the input cannot make R asymmetric.
      const c = 0.5 * (covariance[i * k + j]! + covariance[j * k + i]!);
      r[i * k + j] = i === j ? 1 : c * inverseSd[i]! * inverseSd[j]!;
    }
  }
  return r;
}

/** Eigenvalues of a symmetric k×k matrix, descending (see shared/linalg/symmetric-eigen.ts). */
export function symmetricEigenvalues(m: ArrayLike<number>, k: number): number[] {
  const typed = eigenvaluesDescending(m, k);
  // a loop: Array.from over a typed array took a third as long as the decomposition itself
  const out: number[] = [];
  for (let i = 0; i < typed.length; i++) out.push(typed[i]!);
  return out;
}

/** TC = −½ Σ log λ_i; null (= +∞) when some λ_i ≤ 0 (singular R). */
export function totalCorrelation(eigs: ArrayLike<number>): number | null {
  let s = 0;
  for (let i = 0; i < eigs.length; i++) {
    if (!(eigs[i]! > 0)) return null;
    s -= 0.5 * Math.log(eigs[i]!);
  }
  return s;
}

/**
 * Rényi-α divergence D_α = Σ [ log(α + (1−α)λ_i) / (2(1−α)) − ½ log λ_i ]; α = 1 gives TC.
 * Throws when α + (1−α)λ_i ≤ 0 for some i (the divergence is not defined by this
 * integral there); null (= +∞) when some λ_i = 0.
 */
export function renyi(eigs: ArrayLike<number>, alpha: number): number | null {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`Rényi order α must be finite and > 0, got ${alpha}`);
  }
  if (alpha === 1) return totalCorrelation(eigs);
  let s = 0;
  let infinite = false;
  for (let i = 0; i < eigs.length; i++) {
    const lambda = eigs[i]!;
    const inner = alpha + (1 - alpha) * lambda;
    if (!(inner > 0)) {
      throw new RangeError(
        `Rényi-${alpha} needs α + (1−α)λ > 0 for every eigenvalue; λ_${i} = ${lambda} gives ${inner}`,
      );
    }
    if (!(lambda > 0)) infinite = true;
    else s += Math.log(inner) / (2 * (1 - alpha)) - 0.5 * Math.log(lambda);
  }
  return infinite ? null : s;
}

/** H² = 1 − Π λ_i^{1/4} / ((1 + λ_i)/2)^{1/2}, in [0, 1]. */
export function hellinger2(eigs: ArrayLike<number>): number {
  let logAffinity = 0;
  for (let i = 0; i < eigs.length; i++) {
    const lambda = Math.max(eigs[i]!, 0);
    if (lambda === 0) return 1;
    logAffinity += 0.25 * Math.log(lambda) - 0.5 * Math.log((1 + lambda) / 2);
  }
  // Clamp: H² ≥ 0, and −expm1(0) would be −0.
  return Math.max(0, -Math.expm1(logAffinity));
}

/** χ² = Π (λ_i (2 − λ_i))^{−1/2} − 1; null (= +∞) when some λ_i ≥ 2 or λ_i ≤ 0. */
export function chiSquared(eigs: ArrayLike<number>): number | null {
  let logProduct = 0;
  for (let i = 0; i < eigs.length; i++) {
    const lambda = eigs[i]!;
    const v = lambda * (2 - lambda);
    if (!(v > 0)) return null;
    logProduct -= 0.5 * Math.log(v);
  }
  const value = Math.expm1(logProduct);
  return Number.isFinite(value) ? value : null;
}

/** Q = Σ_{i<j} ρ_ij² of a k×k correlation matrix: no eigen-decomposition needed. */
export function quadraticProxy(r: ArrayLike<number>, k: number): number {
  let q = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) q += r[i * k + j]! * r[i * k + j]!;
  }
  return q;
}

/** D_f ≈ (f''(1) / 2) · Q: error third order in the correlations (docs/measures.md). */
export function approximateFDivergence(q: number, secondDerivativeAtOne: number): number {
  return (secondDerivativeAtOne / 2) * q;
}

export interface SpectralMeasures {
  /** H_s = −Σ p_i log p_i with p_i = λ_i / Σλ */
  entropy: number;
  /** 1 − H_s / log k, in [0, 1]; 0 for k = 1 */
  spectral: number;
  /** exp(H_s), in [1, k] */
  erank: number;
  /** (Σ λ)² / Σ λ², in [1, k] */
  pr: number;
}

export function spectralMeasures(eigs: ArrayLike<number>): SpectralMeasures {
  const k = eigs.length;
  let total = 0;
  let squares = 0;
  for (let i = 0; i < k; i++) {
    const lambda = Math.max(eigs[i]!, 0);
    total += lambda;
    squares += lambda * lambda;
  }
  let entropy = 0;
  for (let i = 0; i < k; i++) {
    const p = Math.max(eigs[i]!, 0) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  const spectral = k > 1 ? Math.min(1, Math.max(0, 1 - entropy / Math.log(k))) : 0;
  return { entropy, spectral, erank: Math.exp(entropy), pr: (total * total) / squares };
}

/** Bartlett's factor n − 1 − (2k + 5)/6. */
export function bartlettFactor(n: number, k: number): number {
  return n - 1 - (2 * k + 5) / 6;
}

/**
 * Bartlett's sphericity test: −(n − 1 − (2k + 5)/6) log det R̂ ~ χ²_{k(k−1)/2} when R = I.
 * `detOrEigs` is det R̂ or the eigenvalues of R̂ (preferred: no under/overflow).
 * Null when undefined: k < 2, a non-positive factor, or a singular R̂ (statistic +∞).
 */
export function bartlett(
  detOrEigs: number | ArrayLike<number>,
  n: number,
  k: number,
): BartlettResult | null {
  const dof = (k * (k - 1)) / 2;
  const factor = bartlettFactor(n, k);
  if (dof < 1 || !(factor > 0)) return null;
  let logDet = 0;
  if (typeof detOrEigs === 'number') {
    if (!(detOrEigs > 0)) return null;
    logDet = Math.log(detOrEigs);
  } else {
    for (let i = 0; i < detOrEigs.length; i++) {
      if (!(detOrEigs[i]! > 0)) return null;
      logDet += Math.log(detOrEigs[i]!);
    }
  }
  // det R̂ ≤ 1 for a correlation matrix; clamp the round-off that makes log det slightly > 0.
  const statistic = Math.max(0, -factor * logDet);
  return { statistic, dof, p_value: chiSquaredSurvival(statistic, dof) };
}

/**
 * Expected plug-in TC under independence, from Bartlett's null law:
 * E[−log det R̂] ≈ dof / factor, so E[TC] ≈ k(k − 1) / (4 (n − 1 − (2k + 5)/6)).
 * This refines the first-order k(k − 1)/(4n) of docs/measures.md ("Small samples") for small n/k.
 */
export function tcNullExpectation(n: number, k: number): number {
  const factor = bartlettFactor(n, k);
  return factor > 0 ? (k * (k - 1)) / (4 * factor) : (k * (k - 1)) / (4 * n);
}
