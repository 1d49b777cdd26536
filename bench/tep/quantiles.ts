// The distributions behind the textbook PCA control limits, written out here (no stats
// dependency): the F distribution (Hotelling T² limit), the standard normal (Jackson–Mudholkar
// SPE limit) and χ² (Box's approximation when Jackson–Mudholkar is undefined). Quantiles are
// found by bisection on the CDF: slow by numerical-library standards, exact to ~1e-12 and
// called a handful of times per bench run.
import { regularizedBeta } from '../../shared/stats/beta.ts';
import { regularizedGammaP } from '../../shared/stats/gamma.ts';

export function fCdf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 0;
  return regularizedBeta(d1 / 2, d2 / 2, (d1 * x) / (d1 * x + d2));
}

export function normalCdf(x: number): number {
  const half = 0.5 * regularizedGammaP(0.5, (x * x) / 2);
  return x >= 0 ? 0.5 + half : 0.5 - half;
}

export function chiSquaredCdf(x: number, dof: number): number {
  return x <= 0 ? 0 : regularizedGammaP(dof / 2, x / 2);
}

function checkP(p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
}

/** The x with cdf(x) = p for an increasing cdf on (lo, ∞), by bracketing then bisection. */
function invert(cdf: (x: number) => number, p: number, lo: number, start: number): number {
  let hi = start;
  while (cdf(hi) < p) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) throw new RangeError(`no quantile for p = ${p}`);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, Math.abs(hi)); i++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export function fQuantile(p: number, d1: number, d2: number): number {
  checkP(p);
  if (!(d1 > 0 && d2 > 0)) throw new RangeError(`F degrees of freedom must be > 0`);
  return invert((x) => fCdf(x, d1, d2), p, 0, 1);
}

export function normalQuantile(p: number): number {
  checkP(p);
  if (p === 0.5) return 0;
  const z = invert((x) => normalCdf(x), Math.max(p, 1 - p), 0, 1);
  return p > 0.5 ? z : -z;
}

export function chiSquaredQuantile(p: number, dof: number): number {
  checkP(p);
  if (!(dof > 0)) throw new RangeError(`χ² degrees of freedom must be > 0, got ${dof}`);
  return invert((x) => chiSquaredCdf(x, dof), p, 0, Math.max(1, dof));
}

/**
 * Hotelling T² limit of a PCA with `a` components fitted on `n` samples, for a new sample:
 * a(n−1)(n+1) / (n(n−a)) · F_conf(a, n−a) (e.g. Chiang, Russell & Braatz 2001, eq. 4.14).
 */
export function t2Limit(a: number, n: number, confidence: number): number {
  if (!(Number.isInteger(a) && a >= 1 && n > a)) {
    throw new RangeError(`T² limit needs 1 ≤ components < samples, got a ${a}, n ${n}`);
  }
  return ((a * (n - 1) * (n + 1)) / (n * (n - a))) * fQuantile(confidence, a, n - a);
}

export interface SpeLimit {
  limit: number;
  method: 'jackson-mudholkar' | 'box';
}

/**
 * SPE (Q) limit from the eigenvalues of the discarded components (Jackson & Mudholkar 1979):
 * θᵢ = Σλⁱ, h₀ = 1 − 2θ₁θ₃/(3θ₂²),
 * Q = θ₁ [c·√(2θ₂h₀²)/θ₁ + 1 + θ₂h₀(h₀−1)/θ₁²]^(1/h₀), c the normal quantile.
 * When h₀ ≤ 0 (a very uneven residual spectrum) that formula is undefined; Box's (1954)
 * g·χ²_h with g = θ₂/θ₁, h = θ₁²/θ₂ is used instead, and the method says so.
 */
export function speLimit(residual: ArrayLike<number>, confidence: number): SpeLimit {
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = 0; i < residual.length; i++) {
    const l = Math.max(0, residual[i]!);
    t1 += l;
    t2 += l * l;
    t3 += l * l * l;
  }
  if (!(t1 > 0 && t2 > 0)) {
    throw new RangeError('SPE limit: no residual variance (every component is retained)');
  }
  const h0 = 1 - (2 * t1 * t3) / (3 * t2 * t2);
  if (h0 > 0) {
    const c = normalQuantile(confidence);
    const inner = (c * Math.sqrt(2 * t2 * h0 * h0)) / t1 + 1 + (t2 * h0 * (h0 - 1)) / (t1 * t1);
    if (inner > 0) return { limit: t1 * inner ** (1 / h0), method: 'jackson-mudholkar' };
  }
  const g = t2 / t1;
  const h = (t1 * t1) / t2;
  return { limit: g * chiSquaredQuantile(confidence, h), method: 'box' };
}
