// Trend of the band measure and the estimated time until it leaves the band. The slope is
// Theil–Sen (median of pairwise slopes): one bad window does not swing the forecast.
import type { Band } from '../../shared/schema/index.ts';
import type { DeviceState, Forecast, TrendPoint } from './types.ts';

const MS_PER_HOUR = 3_600_000;

/**
 * Median of the first `n` values, by selection rather than sorting: forecast runs on every
 * metrics message, and sorting its 120 pairwise slopes (16 points) was ~7 % of the
 * collector's CPU per message. Reorders `xs[0..n)`.
 */
export function median(xs: Float64Array, n: number): number {
  const mid = n >> 1;
  const upper = select(xs, n, mid);
  if (n % 2) return upper;
  // after select, xs[0..mid) holds the values ≤ the upper median: the lower one is their max
  let lower = xs[0]!;
  for (let i = 1; i < mid; i++) if (xs[i]! > lower) lower = xs[i]!;
  return (lower + upper) / 2;
}

/**
 * The k-th smallest of `xs[0..n)` (0-based), Hoare's quickselect with a median-of-three
 * pivot; leaves the k smallest values in xs[0..k). Values are finite (slopes of finite
 * points, dt ≠ 0), so comparisons are total.
 */
function select(xs: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const m = (lo + hi) >> 1;
    // median of three as the pivot: sorted or reversed input stays linear
    const a = xs[lo]!;
    const b = xs[m]!;
    const c = xs[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

// scratch for the pairwise slopes; reused (evaluate runs once per message, synchronously)
let scratch = new Float64Array(0);

/** Theil–Sen slope in value units per hour of data time; null when undetermined. */
export function theilSenSlopePerHour(points: readonly TrendPoint[]): number | null {
  const pairs = (points.length * (points.length - 1)) / 2;
  if (scratch.length < pairs) scratch = new Float64Array(pairs);
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < points.length; j++) {
      const b = points[j]!;
      const dt = b.t - a.t;
      if (dt !== 0) scratch[n++] = ((b.v - a.v) / dt) * MS_PER_HOUR;
    }
  }
  return n === 0 ? null : median(scratch, n);
}

/**
 * Forecast from recent points. eta_s is 0 when the latest value is already outside the band
 * and null when the trend is flat or heading inward (towards the band's center).
 */
export function forecast(
  points: readonly TrendPoint[],
  band: Band | null,
  minPoints: number,
): Forecast {
  if (band === null || points.length < Math.max(2, minPoints)) {
    return { slope_per_hour: null, eta_s: null };
  }
  const slope = theilSenSlopePerHour(points);
  if (slope === null) return { slope_per_hour: null, eta_s: null };
  // Anchor the line at the median residual so a single outlier at the end does not
  // decide the eta either.
  const last = points[points.length - 1]!;
  const intercepts = Float64Array.from(points, (p) => p.v - (slope * (p.t - last.t)) / MS_PER_HOUR);
  const now = median(intercepts, intercepts.length);
  if (now > band.high || now < band.low) return { slope_per_hour: slope, eta_s: 0 };
  let hours: number | null = null;
  if (slope > 0 && now >= band.center) hours = (band.high - now) / slope;
  else if (slope < 0 && now <= band.center) hours = (now - band.low) / -slope;
  return { slope_per_hour: slope, eta_s: hours === null ? null : hours * 3600 };
}

const memo = new WeakMap<
  readonly TrendPoint[],
  { band: Band | null; minPoints: number; forecast: Forecast }
>();

/**
 * A device's forecast, computed when something reads it (the dashboard, /metrics) rather
 * than for every message: at 10,000 msg/s the fit was ~6 % of the collector's CPU, for
 * values read a few times a second at most. The evaluator replaces the trend array when it
 * adds a point, so the array is the cache key.
 */
export function deviceForecast(
  d: Pick<DeviceState, 'trend' | 'band'>,
  minPoints: number,
): Forecast {
  const hit = memo.get(d.trend);
  if (hit && hit.band === d.band && hit.minPoints === minPoints) return hit.forecast;
  const f = forecast(d.trend, d.band, minPoints);
  memo.set(d.trend, { band: d.band, minPoints, forecast: f });
  return f;
}
