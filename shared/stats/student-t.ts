// Student's t distribution, as much of it as a trend test needs: the two-sided tail
// probability and the quantile. The tail is the regularized incomplete beta function
// I_x(ν/2, 1/2) at x = ν / (ν + t²) (shared/stats/beta.ts); the quantile inverts it by Newton
// steps kept inside a bracket that every step narrows (a bisection step where Newton would
// leave it), so it cannot diverge. Pure, float64.
import { regularizedBeta } from './beta.ts';
import { logGamma } from './gamma.ts';

function checkDf(df: number): void {
  if (!(df > 0) || !Number.isFinite(df)) {
    throw new RangeError(`Student t: degrees of freedom must be finite and > 0, got ${df}`);
  }
}

/** Pr[|T_ν| ≥ |t|]: the two-sided tail probability of Student's t with ν = df. */
export function studentTTwoSided(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) throw new RangeError('Student t: the statistic is NaN');
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / 2, 0.5, df / (df + t * t));
}

/** The density of Student's t with ν = df at t. */
function studentTDensity(t: number, df: number): number {
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * The t with Pr[|T_ν| ≥ t] = 1 − level: the half-width, in standard errors, of a two-sided
 * confidence interval at `level` (0.95 → 2.776 at ν = 4). Newton's method on the tail (its
 * derivative is −2 × the density), kept inside a bracket that every step narrows: a step
 * that would leave it bisects instead, so it converges whatever the start.
 */
export function studentTQuantile(level: number, df: number): number {
  checkDf(df);
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`Student t: the confidence level must be in (0, 1), got ${level}`);
  }
  const alpha = 1 - level;
  // the tail falls monotonically in t: bracket the root
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > alpha) {
    lo = hi;
    hi *= 2;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 100; i++) {
    const excess = studentTTwoSided(t, df) - alpha;
    if (excess > 0) lo = t;
    else hi = t;
    const newton = t + excess / (2 * studentTDensity(t, df));
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-13 * t) return next;
    t = next;
  }
  return t;
}
