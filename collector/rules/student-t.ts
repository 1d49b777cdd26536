// Student's t distribution, as much of it as a trend test needs: the two-sided tail
// probability and the quantile. The tail is the regularized incomplete beta function
// I_x(ν/2, 1/2) at x = ν / (ν + t²), by Lentz's continued fraction (Numerical Recipes §6.4);
// the quantile inverts it by bisection, which cannot diverge and is exact to the last bits
// after ~100 halvings. Pure, float64.
import { logGamma } from '../../shared/stats/gamma.ts';

const MAX_ITERATIONS = 300;
const EPSILON = 1e-15;
const TINY = 1e-300;

/** Continued fraction of I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2)). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function regularizedBeta(a: number, b: number, x: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`beta shapes must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`beta x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  // the fraction converges on the near side of the mean; the far side is 1 − its mirror
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

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
