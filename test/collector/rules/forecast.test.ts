// The forecast: an exit time only from a significant, outward trend whose exit lies within
// the horizon; every other case is "stable" (eta null) with the reason. Then the forecast
// derived on read, recomputed whenever what it depends on changes.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FORECAST_LEVEL,
  deviceForecast,
  forecast,
} from '../../../collector/rules/forecast.ts';
import type { Forecast, TrendPoint } from '../../../collector/rules/types.ts';

const band = { measure: 'tc' as const, low: 1, center: 2, high: 3, source: 'config' as const };
const P = 3200; // a snapshot every 3.2 s, as sim-vibration publishes
const pts = (vs: readonly number[]): TrendPoint[] => vs.map((v, i) => ({ t: i * P, v }));
/** a creep of 0.02 a snapshot with a ±0.005 wobble, from `from` */
const creep = (from: number, step = 0.02) =>
  Array.from({ length: 16 }, (_, i) => from + step * i + (i % 2 ? 0.005 : -0.005));

describe('forecast', () => {
  it.each<{ name: string; values: number[]; horizon_s?: number; want: Partial<Forecast> }>([
    {
      // a healthy device's in-band wander (sim-vibration, seed 1, one minute of live tc);
      // a line through it "left the band" in about a minute
      name: 'healthy wander',
      values: [
        1.95, 1.96, 2, 2, 2.1, 2.31, 2.33, 2.26, 2.33, 2.24, 2.31, 2.33, 2.41, 2.42, 2.46, 2.16,
      ],
      want: { eta_s: null },
    },
    {
      name: 'noise around a rise',
      values: [2.3, 2.4, 2.2, 2.45, 2.35, 2.5, 2.4, 2.55],
      want: { status: 'not-significant', slope_per_hour: null, eta_s: null },
    },
    {
      name: 'one bad window in a rise',
      values: [2, 2.1, 9, 2.3, 2.4],
      want: { status: 'not-significant', eta_s: null },
    },
    {
      name: 'flat',
      values: Array.from({ length: 16 }, () => 2.4),
      want: { status: 'not-significant', slope_per_hour: null, eta_s: null },
    },
    { name: 'too few points', values: [2.5, 2.6, 2.7, 2.8], want: { status: 'too-few-points' } },
    { name: 'no points', values: [], want: { status: 'too-few-points', eta_s: null } },
    {
      name: 'a creep near the edge',
      values: creep(2.5),
      want: { status: 'exit', horizon_s: 48 },
    },
    {
      name: 'a creep far from the edge',
      values: creep(2),
      want: { status: 'beyond-horizon', eta_s: null, horizon_s: 48 },
    },
    {
      name: 'a creep far from the edge, a longer horizon',
      values: creep(2),
      horizon_s: 600,
      want: { status: 'exit', horizon_s: 600 },
    },
    {
      name: 'a creep towards the center',
      values: creep(2.8, -0.02),
      want: { status: 'inward', eta_s: null },
    },
    {
      name: 'already outside',
      values: [2.9, 3.2],
      want: { status: 'outside', eta_s: 0, slope_per_hour: null },
    },
  ])('$name', ({ values, horizon_s, want }) => {
    const f = forecast(pts(values), band, { min_points: 5, horizon_s });
    expect(f).toMatchObject({ level: DEFAULT_FORECAST_LEVEL, ...want });
  });

  it('times an exit along the fitted line, and gives the slope with its interval', () => {
    const f = forecast(pts(creep(2.5)), band, { min_points: 5 });
    const slope = (0.02 / P) * 3_600_000;
    expect(f.slope_per_hour).toBeCloseTo(slope, 0);
    const [lo, hi] = f.slope_ci_per_hour!;
    expect(lo).toBeLessThan(f.slope_per_hour!);
    expect(hi).toBeGreaterThan(f.slope_per_hour!);
    expect(lo).toBeGreaterThan(0);
    // the line is at 2.5 + 0.02 · 15 ≈ 2.8 now: 0.2 to go
    expect(f.eta_s).toBeCloseTo((0.2 / f.slope_per_hour!) * 3600, 0);
  });

  it('is stable without a band', () => {
    expect(forecast(pts(creep(2.5)), null, { min_points: 5 })).toMatchObject({
      status: 'no-band',
      eta_s: null,
    });
  });

  it('takes its level from the options, and a stricter level forecasts less', () => {
    // a rise under a ±0.12 wobble: its interval excludes zero at 90 % and not at 99.9 %
    const values = Array.from({ length: 12 }, (_, i) => 2.5 + 0.03 * i + (i % 2 ? 0.12 : -0.12));
    const loose = forecast(pts(values), band, { min_points: 5, level: 0.9 });
    const strict = forecast(pts(values), band, { min_points: 5, level: 0.999 });
    expect(loose).toMatchObject({ level: 0.9, status: 'exit' });
    expect(strict).toMatchObject({ level: 0.999, status: 'not-significant', eta_s: null });
  });
});

describe('deviceForecast (derived when read)', () => {
  const trend = pts(creep(2.5));

  it('is the forecast of the trend, computed once per trend array', () => {
    const a = deviceForecast({ trend, band }, 3);
    expect(a).toEqual(forecast(trend, band, { min_points: 3 }));
    expect(deviceForecast({ trend, band }, 3)).toBe(a);
    expect(deviceForecast({ trend, band }, { min_points: 3 })).toBe(a);
  });

  it.each([
    { name: 'a new trend array', change: (t: TrendPoint[]) => ({ trend: [...t], band }) },
    {
      name: 'another band',
      change: (t: TrendPoint[]) => ({ trend: t, band: { ...band, high: 2.85 } }),
    },
    { name: 'no band', change: (t: TrendPoint[]) => ({ trend: t, band: null }) },
  ])('is computed again for $name', ({ change }) => {
    const before = deviceForecast({ trend, band }, 3);
    const d = change(trend);
    const after = deviceForecast(d, 3);
    expect(after).toEqual(forecast(d.trend, d.band, { min_points: 3 }));
    if (d.band !== band) expect(after).not.toEqual(before);
  });

  it.each([
    { name: 'min_points', options: { min_points: 20 }, status: 'too-few-points' },
    { name: 'horizon', options: { min_points: 3, horizon_s: 5 }, status: 'beyond-horizon' },
    { name: 'level', options: { min_points: 3, level: 0.5 }, status: 'exit' },
  ])('is computed again for another $name', ({ options, status }) => {
    expect(deviceForecast({ trend, band }, 3).status).toBe('exit');
    const f = deviceForecast({ trend, band }, options);
    expect(f.status).toBe(status);
    expect(f.level).toBe(options.level ?? DEFAULT_FORECAST_LEVEL);
  });
});
