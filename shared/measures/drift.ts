// Drift of the live Gaussian summary from a baseline (doc §8):
// KL(N_t || N_0) = ½ [ tr(Σ_0⁻¹ Σ_t) + (μ_0 − μ_t)ᵀ Σ_0⁻¹ (μ_0 − μ_t) − k + log det Σ_0 − log det Σ_t ].
// Σ_0⁻¹ is never formed: both terms come from solves with the Cholesky factor of Σ_0.
import type { CovarianceSummary } from '../covariance/summary.ts';
import { cholesky, choleskyLogDet, choleskySolve, choleskyTraceSolve } from '../linalg/cholesky.ts';

export type DriftResult = { ok: true; kl: number } | { ok: false; reason: string };

export function gaussianKlDrift(live: CovarianceSummary, baseline: CovarianceSummary): DriftResult {
  const k = baseline.k;
  if (live.k !== k)
    return { ok: false, reason: `dimensions differ: live k = ${live.k}, baseline k = ${k}` };
  if (live.n < 2 || baseline.n < 2) {
    return {
      ok: false,
      reason: `need at least 2 samples in each summary (live ${live.n}, baseline ${baseline.n})`,
    };
  }
  const sigma0 = baseline.covariance();
  const sigmaT = live.covariance();
  if (sigma0.some((v) => !Number.isFinite(v)) || sigmaT.some((v) => !Number.isFinite(v))) {
    return { ok: false, reason: 'a covariance has non-finite entries' };
  }
  const base = cholesky(sigma0, k);
  if (!base)
    return { ok: false, reason: 'baseline covariance is singular (not positive definite)' };
  const current = cholesky(sigmaT, k);
  if (!current) {
    return { ok: false, reason: 'live covariance is singular: KL from it is +∞' };
  }
  const mu0 = baseline.mean();
  const muT = live.mean();
  const shift = new Float64Array(k);
  for (let i = 0; i < k; i++) shift[i] = mu0[i]! - muT[i]!;
  const solved = choleskySolve(base, shift);
  let mahalanobis = 0;
  for (let i = 0; i < k; i++) mahalanobis += shift[i]! * solved[i]!;
  const trace = choleskyTraceSolve(base, sigmaT);
  const kl = 0.5 * (trace + mahalanobis - k + choleskyLogDet(base) - choleskyLogDet(current));
  // KL ≥ 0; tiny negatives are round-off when the two summaries coincide.
  return { ok: true, kl: Math.max(0, kl) };
}
