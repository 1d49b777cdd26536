// The forecast's median by selection against the plain definition (sort, take the middle),
// on fixed edge cases and on random inputs with many ties; Theil–Sen on exact lines; and the
// forecast derived on read, recomputed whenever what it depends on changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceForecast,
  forecast,
  median,
  theilSenSlopePerHour,
} from '../../../collector/rules/forecast.ts';
import type { TrendPoint } from '../../../collector/rules/types.ts';

function sortedMedian(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

describe('forecast median (quickselect)', () => {
  it.each([
    { xs: [5], want: 5 },
    { xs: [2, 1], want: 1.5 },
    { xs: [3, 1, 2], want: 2 },
    { xs: [1, 2, 3, 4, 5, 6], want: 3.5 },
    { xs: [6, 5, 4, 3, 2, 1], want: 3.5 },
    { xs: [7, 7, 7, 7], want: 7 },
    { xs: [-1, 0, 0, 0, 9], want: 0 },
    { xs: [1e-300, -1e300, 1e300, 0], want: 5e-301 },
  ])('$xs → $want', ({ xs, want }) => {
    expect(median(Float64Array.from(xs), xs.length)).toBe(want);
  });

  it('uses only the first n values', () => {
    expect(median(Float64Array.from([3, 1, 2, 100, 100]), 3)).toBe(2);
  });

  it('equals the sorted median on random inputs, ties included', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }), // many ties
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (xs) => {
        // + 0: −0 and 0 are ties, and either may be the middle one (toBe tells them apart)
        expect(median(Float64Array.from(xs), xs.length) + 0).toBe(sortedMedian(xs) + 0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Theil–Sen slope', () => {
  it('is the exact slope of a line, per hour, and ignores one outlier', () => {
    const line = Array.from({ length: 16 }, (_, i) => ({ t: i * 60_000, v: 2 + 0.5 * i }));
    expect(theilSenSlopePerHour(line)).toBeCloseTo(30, 9); // 0.5 per minute
    line[7] = { t: line[7]!.t, v: 1e6 };
    expect(theilSenSlopePerHour(line)).toBeCloseTo(30, 9);
  });

  it('is null when every point has the same time', () => {
    expect(
      theilSenSlopePerHour([
        { t: 5, v: 1 },
        { t: 5, v: 2 },
      ]),
    ).toBeNull();
  });
});

describe('deviceForecast (derived when read)', () => {
  const band = { measure: 'tc' as const, low: 1, center: 2, high: 3, source: 'config' as const };
  const trend = [0, 1, 2, 3, 4].map((i) => ({ t: i * 60_000, v: 2 + 0.1 * i }));

  it('is the forecast of the trend, computed once per trend array', () => {
    const a = deviceForecast({ trend, band }, 3);
    expect(a).toEqual(forecast(trend, band, 3));
    expect(deviceForecast({ trend, band }, 3)).toBe(a);
  });

  it.each([
    { name: 'a new trend array', change: (t: TrendPoint[]) => ({ trend: [...t], band }) },
    {
      name: 'another band',
      change: (t: TrendPoint[]) => ({ trend: t, band: { ...band, high: 2.5 } }),
    },
    { name: 'no band', change: (t: TrendPoint[]) => ({ trend: t, band: null }) },
  ])('is computed again for $name', ({ change }) => {
    const before = deviceForecast({ trend, band }, 3);
    const d = change(trend);
    const after = deviceForecast(d, 3);
    expect(after).toEqual(forecast(d.trend, d.band, 3));
    if (d.band !== band) expect(after).not.toEqual(before);
  });

  it('is computed again for another min_points', () => {
    expect(deviceForecast({ trend, band }, 10)).toEqual({ slope_per_hour: null, eta_s: null });
    expect(deviceForecast({ trend, band }, 3).slope_per_hour).toBeCloseTo(6, 9);
  });
});
