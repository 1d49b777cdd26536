// The forecast section of the collector config reaches the forecast: its defaults, a level and
// a horizon (a duration, in seconds for the fit), and errors naming the key.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../collector/config.ts';
import { DEFAULT_FORECAST_LEVEL, deviceForecast } from '../../../collector/rules/forecast.ts';
import { BAND } from '../fixtures.ts';

describe('collector config: forecast', () => {
  it.each([
    [{}, { points: 64, min_points: 5, level: DEFAULT_FORECAST_LEVEL }],
    [
      { level: 0.99, horizon: '10m' },
      { points: 64, min_points: 5, level: 0.99, horizon_s: 600 },
    ],
    [
      { points: 16, min_points: 3 },
      { points: 16, min_points: 3, level: DEFAULT_FORECAST_LEVEL },
    ],
  ])('forecast %j → %j', (forecast, expected) => {
    expect(parseConfig({ forecast }, 'c.yaml').forecast).toEqual(expected);
  });

  it.each([
    [{ level: 1 }, 'forecast.level'],
    [{ horizon: 'soon' }, 'forecast.horizon'],
    [{ points: 65 }, 'forecast.points'],
  ])('forecast %j is refused, naming %s', (forecast, key) => {
    expect(() => parseConfig({ forecast }, 'c.yaml')).toThrow(key);
  });

  it('a horizon shorter than the exit keeps the forecast stable', () => {
    // a clean outward trend, 0.04 per 3 s reading: the high edge (3) about 18 s after the last
    const trend = Array.from({ length: 20 }, (_, i) => ({ t: i * 3000, v: 2 + i * 0.04 }));
    const far = deviceForecast({ trend, band: BAND }, parseConfig({}, 'c.yaml').forecast);
    const near = deviceForecast(
      { trend, band: BAND },
      parseConfig({ forecast: { horizon: '5s' } }, 'c.yaml').forecast,
    );
    expect(far.eta_s).toBeGreaterThan(5);
    expect(near.eta_s).toBeNull();
  });
});
