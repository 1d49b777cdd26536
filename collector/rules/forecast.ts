// Whether and when the band measure leaves its band. A forecast is made only from a trend
// that is significant (its confidence interval excludes zero, trend.ts) and only as far ahead
// as the data behind it reaches: a line fit to the last minute says nothing about the next
// hour, and a healthy device's wander, extrapolated, "leaves the band" in seconds one window
// and the other way the next. Anything else is "stable" (eta_s null), with the reason.
import type { Band } from '../../shared/schema/index.ts';
import { fitTrend } from './trend.ts';
import type { DeviceState, Forecast, ForecastConfig, TrendPoint } from './types.ts';

/** Two-sided confidence level of the slope's interval when the config names none. */
export const DEFAULT_FORECAST_LEVEL = 0.95;

/** The options a forecast reads besides its points (ForecastConfig without `points`). */
export type ForecastOptions = Pick<ForecastConfig, 'min_points' | 'level' | 'horizon_s'>;

const stable = (status: Forecast['status'], level: number): Forecast => ({
  slope_per_hour: null,
  eta_s: null,
  status,
  level,
  slope_ci_per_hour: null,
  horizon_s: null,
});

/**
 * Forecast from recent points (time ascending). eta_s is 0 when the newest value is already
 * outside the band, the time to the band edge along the fitted line when the trend is
 * significant, outward and reaches the edge within the horizon, and null otherwise (status
 * says why). slope_per_hour is null unless the trend is significant.
 */
export function forecast(
  points: readonly TrendPoint[],
  band: Band | null,
  options: ForecastOptions,
): Forecast {
  const level = options.level ?? DEFAULT_FORECAST_LEVEL;
  if (band === null) return stable('no-band', level);
  const latest = points[points.length - 1];
  if (latest === undefined) return stable('too-few-points', level);
  if (latest.v > band.high || latest.v < band.low) {
    return { ...stable('outside', level), eta_s: 0 };
  }
  if (points.length < Math.max(3, options.min_points)) return stable('too-few-points', level);
  const fit = fitTrend(points, level);
  if (fit.kind !== 'fit') return stable(fit.kind, level);
  if (!fit.significant) return stable('not-significant', level);
  const slope = fit.slope_per_hour;
  const trend: Forecast = {
    ...stable('inward', level),
    slope_per_hour: slope,
    slope_ci_per_hour: [slope - fit.half_width_per_hour, slope + fit.half_width_per_hour],
    horizon_s: options.horizon_s ?? fit.span_s,
  };
  const now = fit.value_now;
  let hours: number | null = null;
  if (slope > 0 && now >= band.center) hours = Math.max(0, band.high - now) / slope;
  else if (slope < 0 && now <= band.center) hours = Math.max(0, now - band.low) / -slope;
  if (hours === null) return trend;
  const eta = hours * 3600;
  if (eta > trend.horizon_s!) return { ...trend, status: 'beyond-horizon' };
  return { ...trend, status: 'exit', eta_s: eta };
}

const memo = new WeakMap<
  readonly TrendPoint[],
  { band: Band | null; options: ForecastOptions; forecast: Forecast }
>();

const sameOptions = (a: ForecastOptions, b: ForecastOptions): boolean =>
  a.min_points === b.min_points && a.level === b.level && a.horizon_s === b.horizon_s;

/**
 * A device's forecast, computed when something reads it (the dashboard, /metrics) rather
 * than for every message: the values are read a few times a second at most. The evaluator
 * replaces the trend array when it adds a point, so the array is the cache key. `options` is
 * config.forecast, or its min_points alone.
 */
export function deviceForecast(
  d: Pick<DeviceState, 'trend' | 'band'>,
  options: ForecastOptions | number,
): Forecast {
  const o = typeof options === 'number' ? { min_points: options } : options;
  const hit = memo.get(d.trend);
  if (hit && hit.band === d.band && sameOptions(hit.options, o)) return hit.forecast;
  const f = forecast(d.trend, d.band, o);
  memo.set(d.trend, { band: d.band, options: o, forecast: f });
  return f;
}
