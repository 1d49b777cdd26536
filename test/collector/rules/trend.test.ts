// The trend test: exact results on exact lines, every degenerate input as a result of its own
// (never NaN), the autocorrelation correction against its closed form, and the nominal false
// alarm rate on trend-free independent noise.
import { describe, expect, it } from 'vitest';
import { studentTQuantile } from '../../../shared/stats/student-t.ts';
import { fitTrend, type TrendFit } from '../../../collector/rules/trend.ts';
import { createRng } from '../../../shared/random.ts';

const P = 3200; // a snapshot every 3.2 s, as sim-vibration publishes
const pts = (vs: readonly number[], dt = P) => vs.map((v, i) => ({ t: i * dt, v }));
const n16 = (f: (i: number) => number) => Array.from({ length: 16 }, (_, i) => f(i));

describe('fitTrend', () => {
  it.each<{ name: string; points: { t: number; v: number }[]; want: Partial<TrendFit> }>([
    { name: 'no points', points: [], want: { kind: 'too-few-points', n: 0 } },
    { name: 'two points', points: pts([1, 2]), want: { kind: 'too-few-points', n: 2 } },
    {
      name: 'one time',
      points: [1, 2, 3].map((v) => ({ t: 5, v })),
      want: { kind: 'no-time-spread', n: 3 },
    },
    {
      // one slow wave across the window: neighbouring residuals are nearly equal, r₁ so near 1
      // that fewer than 3 independent points remain of 16
      name: 'one wave across the window',
      points: pts(n16((i) => 2 - 0.1 * Math.cos((2 * Math.PI * (i + 0.5)) / 16))),
      want: { kind: 'too-few-effective-points', n: 16 },
    },
    {
      name: 'flat',
      points: pts(n16(() => 2.4)),
      want: { kind: 'fit', slope_per_hour: 0, half_width_per_hour: 0, significant: false },
    },
  ])('$name', ({ points, want }) => {
    expect(fitTrend(points, 0.95)).toMatchObject(want);
  });

  it('is exact on a line: the slope per hour, the value now, a zero-width interval', () => {
    const f = fitTrend(pts(n16((i) => 2 + 0.01 * i)), 0.95);
    if (f.kind !== 'fit') throw new Error(f.kind);
    expect(f.slope_per_hour).toBeCloseTo((0.01 / P) * 3_600_000, 9);
    expect(f.value_now).toBeCloseTo(2.15, 12);
    expect(f.half_width_per_hour).toBeLessThan(1e-9);
    expect(f.significant).toBe(true);
    expect(f.span_s).toBe(48);
  });

  it('widens the interval by the AR(1) effective sample size of its residuals', () => {
    // residuals +a +a −a −a …: positively correlated neighbours
    const ys = n16((i) => 2 + 0.01 * i + (i % 4 < 2 ? 0.05 : -0.05));
    const f = fitTrend(pts(ys), 0.95);
    if (f.kind !== 'fit') throw new Error(f.kind);
    const h = byHand(ys);
    expect(f.slope_per_hour).toBeCloseTo((h.slope * 3_600_000) / P, 9);
    expect(h.r1).toBeGreaterThan(0);
    const nEff = (16 * (1 - h.r1)) / (1 + h.r1);
    expect(f.n_eff).toBeCloseTo(nEff, 9);
    const se = ((h.se * 3_600_000) / P) * Math.sqrt(14 / (nEff - 2));
    expect(f.half_width_per_hour).toBeCloseTo(studentTQuantile(0.95, nEff - 2) * se, 9);
  });

  it('takes n as is when the residuals alternate (r₁ ≤ 0)', () => {
    const f = fitTrend(pts(n16((i) => 2 + 0.01 * i + (i % 2 ? 0.05 : -0.05))), 0.95);
    expect(f).toMatchObject({ kind: 'fit', n: 16, n_eff: 16, significant: true });
  });

  it('rejects a level outside (0, 1), naming it', () => {
    expect(() => fitTrend(pts([1, 2, 3]), 95)).toThrow(
      /confidence level must be in \(0, 1\), got 95/,
    );
  });

  it('calls a trend-free independent series significant at about 1 − level', () => {
    const rng = createRng(19);
    const runs = 2000;
    let hits = 0;
    for (let r = 0; r < runs; r++) {
      const f = fitTrend(pts(n16(() => rng.normal())), 0.95);
      if (f.kind === 'fit' && f.significant) hits++;
    }
    // 5 % nominal; ±2 points is more than 4 binomial standard errors at 2000 runs
    expect(hits / runs).toBeGreaterThan(0.03);
    expect(hits / runs).toBeLessThan(0.07);
  });
});

/** OLS over x = 0, 1, … by the textbook formulas: slope, its plain standard error, r₁ */
function byHand(ys: readonly number[]): { slope: number; se: number; r1: number } {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b) / n;
  let sxx = 0;
  let sxy = 0;
  ys.forEach((y, x) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  });
  const slope = sxy / sxx;
  const res = ys.map((y, x) => y - my - slope * (x - mx));
  const c0 = res.reduce((a, r) => a + r * r, 0);
  const c1 = res.reduce((a, r, i) => (i ? a + r * res[i - 1]! : a), 0);
  return { slope, se: Math.sqrt(c0 / (n - 2) / sxx), r1: c1 / c0 };
}
