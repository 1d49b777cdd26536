// Is there a trend, and how sure are we? An ordinary least-squares line through the points,
// its slope's standard error and a two-sided Student-t confidence interval at a stated level.
//
// The points are successive snapshots of a forgetting covariance sketch, so neighbouring
// values share most of their data and their residuals are positively correlated. An OLS
// standard error that assumes independent residuals is then too small, and a healthy
// device's wander passes for a trend. The interval therefore uses the effective sample size
// of an AR(1) residual process, n_eff = n (1 − r₁) / (1 + r₁) with r₁ the residuals' lag-1
// autocorrelation (Santer et al. 2000, J. Geophys. Res. 105(D6)): the standard error grows by
// √((n − 2) / (n_eff − 2)) and the t quantile uses n_eff − 2 degrees of freedom.
// Pure, float64; every degenerate case is a result of its own, never a NaN.
import { studentTQuantile } from '../../shared/stats/student-t.ts';
import type { TrendPoint } from './types.ts';

const MS_PER_HOUR = 3_600_000;
/** residual RMS under this fraction of the largest |value|: an exact line (float64 rounding) */
const EXACT_RELATIVE = 1e-12;

export type TrendFit =
  /** fewer than 3 points: a line through 2 has no residual to judge it by */
  | { kind: 'too-few-points'; n: number }
  /** every point has the same time: no slope exists */
  | { kind: 'no-time-spread'; n: number }
  /** the residuals are so correlated that fewer than 3 independent points remain */
  | { kind: 'too-few-effective-points'; n: number; n_eff: number; slope_per_hour: number }
  | {
      kind: 'fit';
      n: number;
      /** effective sample size after the autocorrelation correction (n when r₁ ≤ 0) */
      n_eff: number;
      /** value units per hour of data time */
      slope_per_hour: number;
      /** the line's value at the newest point's time */
      value_now: number;
      /** slope_per_hour ± this is the confidence interval at `level` */
      half_width_per_hour: number;
      level: number;
      /** the interval excludes zero (an exact line with a non-zero slope does) */
      significant: boolean;
      /** data time from the oldest to the newest point, seconds */
      span_s: number;
    };

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`trend: the confidence level must be in (0, 1), got ${level}`);
  }
}

/** Lag-1 autocorrelation of residuals (mean zero by construction); 0 when all are zero. */
function lag1(res: Float64Array): number {
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < res.length; i++) {
    c0 += res[i]! * res[i]!;
    if (i > 0) c1 += res[i]! * res[i - 1]!;
  }
  return c0 > 0 ? c1 / c0 : 0;
}

/** The OLS trend of `points` (time ascending) with its confidence interval at `level`. */
export function fitTrend(points: readonly TrendPoint[], level: number): TrendFit {
  checkLevel(level);
  const n = points.length;
  if (n < 3) return { kind: 'too-few-points', n };
  const last = points[n - 1]!.t;
  // hours relative to the newest point: the intercept is then the value now
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += (p.t - last) / MS_PER_HOUR;
    my += p.v;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    const dx = (p.t - last) / MS_PER_HOUR - mx;
    sxx += dx * dx;
    sxy += dx * (p.v - my);
  }
  if (!(sxx > 0)) return { kind: 'no-time-spread', n };
  const slope = sxy / sxx;
  const valueNow = my - slope * mx;
  const res = new Float64Array(n);
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    res[i] = p.v - (valueNow + (slope * (p.t - last)) / MS_PER_HOUR);
    ssr += res[i]! * res[i]!;
  }
  // Residuals at rounding level are an exact line: their "autocorrelation" is that of
  // floating-point noise, and must not call a perfect line uncertain.
  let scale = 0;
  for (const p of points) scale = Math.max(scale, Math.abs(p.v));
  if (ssr <= n * (EXACT_RELATIVE * scale) ** 2) ssr = 0;
  const r1 = ssr === 0 ? 0 : lag1(res);
  const nEff = r1 > 0 ? (n * (1 - r1)) / (1 + r1) : n;
  if (!(nEff > 2)) {
    return { kind: 'too-few-effective-points', n, n_eff: nEff, slope_per_hour: slope };
  }
  const se = Math.sqrt(ssr / (n - 2) / sxx) * Math.sqrt((n - 2) / (nEff - 2));
  const halfWidth = se === 0 ? 0 : studentTQuantile(level, nEff - 2) * se;
  return {
    kind: 'fit',
    n,
    n_eff: nEff,
    slope_per_hour: slope,
    value_now: valueNow,
    half_width_per_hour: halfWidth,
    level,
    significant: Math.abs(slope) > halfWidth,
    span_s: (last - points[0]!.t) / 1000,
  };
}
