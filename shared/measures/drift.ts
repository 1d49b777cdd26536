// Drift of the live Gaussian summary from a baseline (docs/measures.md):
// KL(N_t || N_0) = ½ [ tr(Σ_0⁻¹ Σ_t) + (μ_0 − μ_t)ᵀ Σ_0⁻¹ (μ_0 − μ_t) − k + log det Σ_0 − log det Σ_t ].
// Σ_0⁻¹ is never formed: both terms come from solves with the Cholesky factor of Σ_0.
import type { CovarianceSummary } from '../covariance/summary.ts';
import {
  cholesky,
  choleskyLogDet,
  choleskySolve,
  choleskyTraceSolve,
  type CholeskyFactor,
} from '../linalg/cholesky.ts';

export type DriftResult = { ok: true; kl: number } | { ok: false; reason: string };

/**
 * What the KL needs of a baseline that no longer changes (an agent's frozen baseline): its
 * covariance, mean, Cholesky factor and log-determinant, computed once instead of at every
 * snapshot. A copy: later pushes to the summary do not reach it.
 */
export class DriftBaseline {
  readonly k: number;
  readonly n: number;
  readonly mean: Float64Array;
  readonly finite: boolean;
  /** null: Σ_0 is singular (or non-finite) */
  readonly factor: CholeskyFactor | null;
  readonly logDet: number;

  constructor(baseline: CovarianceSummary) {
    this.k = baseline.k;
    this.n = baseline.n;
    this.mean = baseline.mean();
    const sigma0 = baseline.covariance();
    this.finite = sigma0.every((v) => Number.isFinite(v));
    this.factor = this.finite && this.n >= 2 ? cholesky(sigma0, this.k) : null;
    this.logDet = this.factor ? choleskyLogDet(this.factor) : Number.NaN;
  }
}

export function gaussianKlDrift(live: CovarianceSummary, baseline: CovarianceSummary): DriftResult {
  const k = baseline.k;
  if (live.k !== k)
    return { ok: false, reason: `dimensions differ: live k = ${live.k}, baseline k = ${k}` };
  return gaussianKlDriftFrom(live, live.covariance(), new DriftBaseline(baseline));
}

/**
 * gaussianKlDrift against a prepared baseline, with the live covariance already formed (a
 * snapshot forms it once for the measures and the drift). Same checks in the same order,
 * same arithmetic: the result is identical to gaussianKlDrift(live, baseline).
 */
export function gaussianKlDriftFrom(
  live: Pick<CovarianceSummary, 'k' | 'n' | 'mean'>,
  sigmaT: Float64Array,
  base: DriftBaseline,
): DriftResult {
  const k = base.k;
  if (live.k !== k)
    return { ok: false, reason: `dimensions differ: live k = ${live.k}, baseline k = ${k}` };
  if (live.n < 2 || base.n < 2) {
    return {
      ok: false,
      reason: `need at least 2 samples in each summary (live ${live.n}, baseline ${base.n})`,
    };
  }
  if (!base.finite || sigmaT.some((v) => !Number.isFinite(v))) {
    return { ok: false, reason: 'a covariance has non-finite entries' };
  }
  const factor = base.factor;
  if (!factor)
    return { ok: false, reason: 'baseline covariance is singular (not positive definite)' };
  const current = cholesky(sigmaT, k);
  if (!current) {
    return { ok: false, reason: 'live covariance is singular: KL from it is +∞' };
  }
  const mu0 = base.mean;
  const muT = live.mean();
  const shift = new Float64Array(k);
  for (let i = 0; i < k; i++) shift[i] = mu0[i]! - muT[i]!;
  const solved = choleskySolve(factor, shift);
  let mahalanobis = 0;
  for (let i = 0; i < k; i++) mahalanobis += shift[i]! * solved[i]!;
  const trace = choleskyTraceSolve(factor, sigmaT);
  const kl = 0.5 * (trace + mahalanobis - k + base.logDet - choleskyLogDet(current));
  // KL ≥ 0; tiny negatives are round-off when the two summaries coincide.
  return { ok: true, kl: Math.max(0, kl) };
}
