// Which channels a statistic's excursion comes from: the pure arithmetic behind the
// `attribution` of a metrics message and the `channels` an alert names. Float64 throughout;
// every degenerate case (a zero shift, a dead channel, a singular correlation matrix) has an
// explicit answer, and nothing returns NaN.
//
// Level shift (drift_mean = ½ dᵀΣ₀⁻¹d): the reconstruction-based contribution of Alcala & Qin
// (2009), RBCᵢ = (Σ₀⁻¹d)ᵢ² / (Σ₀⁻¹)ᵢᵢ, the amount by which the T² drops when channel i alone
// is reconstructed (moved to its best value given the others). Why not the partial
// decomposition dᵢ(Σ₀⁻¹d)ᵢ, although it sums to the T² exactly: with correlated channels its
// terms are signed — a healthy channel coupled to a faulty one gets a negative share and the
// faulty one more than all of it — so its "shares" are not fractions of anything; and it
// smears a single-channel fault over the channels coupled to it. RBC is non-negative, and for
// a fault along one channel (d = f·eⱼ) it is largest exactly at j (RBCᵢ ∝ Σ₀⁻¹ᵢⱼ² / Σ₀⁻¹ᵢᵢ ≤
// Σ₀⁻¹ⱼⱼ by Cauchy–Schwarz), which is what naming a sensor needs.
//
// Coupling: for a Gaussian with correlation matrix R, TC(X) = TC(X₋ᵢ) + I(Xᵢ; X₋ᵢ) with
// I(Xᵢ; X₋ᵢ) = ½ log (R⁻¹)ᵢᵢ (the Schur complement of the rest in R is 1/(R⁻¹)ᵢᵢ = 1 − R²ᵢ of
// channel i regressed on the rest). Its change against a baseline says which channel left the
// joint structure (a drop) or got locked to the others (a rise).
//
// Latent rules (drift, recon-error): the model's masked reconstruction error per channel; its
// excess over the channel's own warm-up level says which channel the model stopped explaining.
import { cholesky, type CholeskyFactor } from '../linalg/cholesky.ts';

/** A channel (by index) and its score, as ranked by `rankChannels`. */
export interface RankedChannel {
  index: number;
  value: number;
}

/** Relative ridge on a correlation matrix: R_λ = (R + λI)/(1 + λ) keeps a unit diagonal. */
export const COUPLING_RIDGE = 1e-6;
/** A channel whose variance is at most this × the mean variance is dead (constant). */
export const DEAD_VARIANCE = 1e-12;

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}[${i}] is not finite`);
  }
}

/**
 * diag(A⁻¹) from A = LLᵀ: (A⁻¹)ᵢᵢ = ‖column i of L⁻¹‖². O(k³/6); for a frozen Σ₀ it is
 * computed once, not per evaluation.
 */
export function inverseDiagonal(f: CholeskyFactor): Float64Array {
  const { k, lower: l } = f;
  const out = new Float64Array(k);
  const col = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    // column i of L⁻¹: solve L y = eᵢ (y is zero above i)
    col.fill(0);
    col[i] = 1 / l[i * k + i]!;
    let s = col[i]! * col[i]!;
    for (let r = i + 1; r < k; r++) {
      let v = 0;
      for (let q = i; q < r; q++) v -= l[r * k + q]! * col[q]!;
      col[r] = v / l[r * k + r]!;
      s += col[r]! * col[r]!;
    }
    out[i] = s;
  }
  return out;
}

/**
 * RBCᵢ = (Σ⁻¹d)ᵢ² / (Σ⁻¹)ᵢᵢ, given Σ⁻¹d (`solved`) and diag(Σ⁻¹) (`invDiag`). A zero
 * diagonal entry cannot come from a positive-definite Σ and is an error.
 */
export function reconstructionContributions(
  solved: ArrayLike<number>,
  invDiag: ArrayLike<number>,
): Float64Array {
  const k = solved.length;
  if (invDiag.length !== k) {
    throw new RangeError(`Σ⁻¹d has ${k} entries, diag(Σ⁻¹) ${invDiag.length}`);
  }
  checkFinite(solved, 'Σ⁻¹d');
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const q = invDiag[i]!;
    if (!(q > 0 && Number.isFinite(q))) {
      throw new RangeError(`diag(Σ⁻¹)[${i}] = ${q}: Σ is not positive definite`);
    }
    out[i] = (solved[i]! * solved[i]!) / q;
  }
  return out;
}

/**
 * Non-negative scores normalized to sum 1; null when they sum to 0 (nothing to attribute:
 * no shift, no excess). A negative or non-finite score is an error.
 */
export function shares(values: ArrayLike<number>): Float64Array | null {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`score[${i}] = ${v} is not ≥ 0`);
    total += v;
  }
  if (!(total > 0)) return null;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / total;
  return out;
}

/**
 * I(Xᵢ; X₋ᵢ) = ½ log (R_λ⁻¹)ᵢᵢ per channel, in nats, from a covariance matrix (row-major
 * k×k). A dead channel (variance ≤ DEAD_VARIANCE × the mean) carries no information: its
 * coupling is 0 and it is left out of the others' R. R_λ = (R + λI)/(1 + λ) keeps R's unit
 * diagonal, so (R_λ⁻¹)ᵢᵢ ≥ 1 and each term is ≥ 0, and bounds it by ½ log((1 + λ)/λ): a
 * channel that is an exact copy of another has a large, finite coupling. Should the ridged
 * matrix still not factor (rounding), λ grows tenfold until it does.
 */
export function channelCoupling(
  covariance: ArrayLike<number>,
  k: number,
  ridge = COUPLING_RIDGE,
): Float64Array {
  const r = correlation(covariance, k);
  const out = new Float64Array(k);
  if (r.live.length === 0) return out;
  const f = factorRidged(r.matrix, r.live.length, ridge);
  const d = inverseDiagonal(f.factor);
  r.live.forEach((ch, j) => (out[ch] = Math.max(0, 0.5 * Math.log(d[j]! * (1 + f.ridge)))));
  return out;
}

/**
 * Total correlation −½ log det R_λ of the live channels (dead ones contribute 0), with the
 * same ridge as `channelCoupling`: the quantity whose chain rule the coupling terms follow.
 */
export function totalCorrelation(
  covariance: ArrayLike<number>,
  k: number,
  ridge = COUPLING_RIDGE,
): number {
  const r = correlation(covariance, k);
  const m = r.live.length;
  if (m === 0) return 0;
  const f = factorRidged(r.matrix, m, ridge);
  let logDet = 0;
  // det R_λ = det(R + λI) / (1 + λ)^m
  for (let i = 0; i < m; i++) logDet += 2 * Math.log(f.factor.lower[i * m + i]!);
  return Math.max(0, -0.5 * (logDet - m * Math.log(1 + f.ridge)));
}

/** The correlation matrix of the live channels, and which channels those are. */
function correlation(
  covariance: ArrayLike<number>,
  k: number,
): {
  matrix: Float64Array;
  live: number[];
} {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be ≥ 1, got ${k}`);
  if (covariance.length !== k * k) {
    throw new RangeError(`covariance has ${covariance.length} entries, expected ${k * k}`);
  }
  checkFinite(covariance, 'covariance');
  let mean = 0;
  for (let i = 0; i < k; i++) {
    const v = covariance[i * k + i]!;
    if (v < 0) throw new RangeError(`covariance[${i}][${i}] = ${v} is negative`);
    mean += v / k;
  }
  const live: number[] = [];
  for (let i = 0; i < k; i++) if (covariance[i * k + i]! > DEAD_VARIANCE * mean) live.push(i);
  const m = live.length;
  const matrix = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const i = live[a]!;
    const si = Math.sqrt(covariance[i * k + i]!);
    for (let b = 0; b < m; b++) {
      const j = live[b]!;
      const c = covariance[i * k + j]! / (si * Math.sqrt(covariance[j * k + j]!));
      // rounding may put |c| a hair above 1
      matrix[a * m + b] = a === b ? 1 : Math.max(-1, Math.min(1, c));
    }
  }
  return { matrix, live };
}

export function factorRidged(
  r: Float64Array,
  m: number,
  ridge: number,
): { factor: CholeskyFactor; ridge: number } {
  if (!(ridge > 0 && ridge < 1)) throw new RangeError(`ridge must be in (0, 1), got ${ridge}`);
  for (let lambda = ridge; lambda < 1; lambda *= 10) {
    const a = Float64Array.from(r);
    for (let i = 0; i < m; i++) a[i * m + i]! += lambda;
    const factor = cholesky(a, m, 0);
    if (factor) return { factor, ridge: lambda };
  }
  // R + λI with λ ≥ 0.1 and |rᵢⱼ| ≤ 1 fails only if R is not a correlation matrix at all
  throw new RangeError('the correlation matrix is not positive semi-definite');
}

/** live − baseline per channel (the coupling change); lengths must agree. */
export function couplingChange(live: ArrayLike<number>, baseline: ArrayLike<number>): Float64Array {
  if (live.length !== baseline.length) {
    throw new RangeError(`live has ${live.length} channels, baseline ${baseline.length}`);
  }
  checkFinite(live, 'live coupling');
  checkFinite(baseline, 'baseline coupling');
  const out = new Float64Array(live.length);
  for (let i = 0; i < live.length; i++) out[i] = live[i]! - baseline[i]!;
  return out;
}

/**
 * Shares of the per-channel reconstruction error's excess over its baseline (max(0, e − e₀)):
 * the channels the model explains worse than it did in the warm-up. Without a baseline, or
 * when no channel exceeds it, the shares of the error itself; null when that is 0 everywhere.
 */
export function excessShares(
  current: ArrayLike<number>,
  baseline: ArrayLike<number> | null,
): Float64Array | null {
  checkFinite(current, 'error');
  if (baseline) {
    if (baseline.length !== current.length) {
      throw new RangeError(`error has ${current.length} channels, baseline ${baseline.length}`);
    }
    checkFinite(baseline, 'baseline error');
    const excess = new Float64Array(current.length);
    for (let i = 0; i < current.length; i++) {
      excess[i] = Math.max(0, current[i]! - baseline[i]!);
    }
    const s = shares(excess);
    if (s) return s;
  }
  return shares(current);
}

/**
 * The `n` channels with the largest |value| (or largest value with `by: 'value'`), ranked,
 * ties broken by index; zero values are left out (they name nothing).
 */
export function rankChannels(
  values: ArrayLike<number>,
  n: number,
  by: 'abs' | 'value' = 'value',
): RankedChannel[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be ≥ 0, got ${n}`);
  checkFinite(values, 'score');
  const key = by === 'abs' ? Math.abs : (v: number) => v;
  const out: RankedChannel[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0 || (by === 'value' && v < 0)) continue;
    out.push({ index: i, value: v });
  }
  out.sort((a, b) => key(b.value) - key(a.value) || a.index - b.index);
  return out.slice(0, n);
}
