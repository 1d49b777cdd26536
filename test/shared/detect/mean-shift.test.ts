import { describe, expect, it } from 'vitest';
import { RunningCovariance } from '../../../shared/covariance/welford.ts';
import {
  calibratedThreshold,
  freezeBaseline,
  MeanShiftDetector,
  meanShiftKl,
} from '../../../shared/detect/mean-shift.ts';

describe('meanShiftKl', () => {
  it('is ½ dᵀ Σ⁻¹ d against a hand-computed diagonal case', () => {
    const s = new RunningCovariance(2);
    // x ∈ {−1, 1} independently → mean 0, unbiased variance 4/3 on both channels
    for (const p of [
      [-1, -1],
      [-1, 1],
      [1, -1],
      [1, 1],
    ])
      s.push(p);
    const b = freezeBaseline(s, 0);
    // d = (2, 0): ½ · 4 / (4/3) = 1.5
    expect(meanShiftKl(b, [2, 0])).toBeCloseTo(1.5, 12);
    expect(meanShiftKl(b, [0, 0])).toBe(0);
  });

  it('uses the correlation: a shift along the coupled direction costs less', () => {
    const s = new RunningCovariance(2);
    for (let i = 0; i < 200; i++) {
      const a = Math.sin(i * 0.7);
      const e = 0.1 * Math.cos(i * 1.3);
      s.push([a, a + e]);
    }
    const b = freezeBaseline(s);
    expect(meanShiftKl(b, [0.5, 0.5])).toBeLessThan(meanShiftKl(b, [0.5, -0.5]) / 10);
  });

  it('keeps a dead (constant) channel invertible through the ridge', () => {
    const s = new RunningCovariance(2);
    for (let i = 0; i < 10; i++) s.push([i, 3]);
    const b = freezeBaseline(s);
    expect(Number.isFinite(meanShiftKl(b, [4.5, 3]))).toBe(true);
  });
});

describe('MeanShiftDetector', () => {
  it('is null while fitting, then the statistic of the sliding mean', () => {
    const d = new MeanShiftDetector({ k: 1, window: 2, fitSamples: 4 });
    const fit = [1, -1, 1, -1]; // mean 0, unbiased variance 4/3
    expect(fit.map((x) => d.push([x]))).toEqual([null, null, null, null]);
    expect(d.frozen).toBe(true);
    // window [−1, 3] → mean 1 → ½ · 1 / (4/3) = 0.375 (ridge 1e-6 relative)
    expect(d.push([3])).toBeCloseTo(0.375, 5);
    // window [3, 3] → mean 3 → ½ · 9 · 3/4 = 3.375
    expect(d.push([3])).toBeCloseTo(3.375, 5);
  });

  it('rejects bad samples and options', () => {
    const d = new MeanShiftDetector({ k: 2, window: 3, fitSamples: 5 });
    expect(() => d.push([1])).toThrow(/expected 2/);
    expect(() => d.push([1, Number.NaN])).toThrow(/not finite/);
    expect(() => new MeanShiftDetector({ k: 2, window: 0, fitSamples: 5 })).toThrow(/window/);
    expect(() => new MeanShiftDetector({ k: 2, window: 3, fitSamples: 1 })).toThrow(/fitSamples/);
  });
});

describe('calibratedThreshold', () => {
  it.each([
    // median + margin · (quantile − median)
    [[1, 2, 3, 4, 5], 1, 1, 5],
    [[5, 1, 4, 2, 3], 1, 1.5, 6],
    [[1, 2, 3, 4, 5], 0.5, 1, 3],
    [[1, 2, 3, 4, 5], 0.75, 2, 5],
    [[0, 10], 0.25, 1, 2.5],
    [[1, Number.NaN, 3], 1, 1, 3],
    [[1000, 1001, 1002], 1, 1.5, 1002.5],
  ])('%j q=%d margin=%d → %d', (values, q, margin, want) => {
    expect(calibratedThreshold(values, q, margin)).toBeCloseTo(want, 12);
  });

  it('refuses an empty calibration', () => {
    expect(() => calibratedThreshold([Number.NaN], 1, 1)).toThrow(/no finite/);
    expect(() => calibratedThreshold([1], 2, 1)).toThrow(/quantile/);
  });
});

describe('MeanShiftDetector: adaptation and re-baseline', () => {
  /** ±1 alternating on both channels for the fit, then `level` (a step) */
  function fitted(adaptWindow: number): MeanShiftDetector {
    const d = new MeanShiftDetector({ k: 2, window: 4, fitSamples: 8, adaptWindow });
    for (let i = 0; i < 8; i++) d.add(i % 2 ? [1, -1] : [-1, 1]);
    return d;
  }

  it('keeps μ₀ as fitted without adaptation, so a step stays visible', () => {
    const d = fitted(0);
    for (let i = 0; i < 200; i++) d.add([2, 2]);
    expect(d.value()!).toBeGreaterThan(1);
  });

  it('follows a step with time constant adaptWindow (1 − e^(−n/τ) of it after n samples)', () => {
    const d = fitted(20);
    for (let i = 0; i < 20; i++) d.add([2, 2]);
    const r = d.rebaseline()!; // reads μ₀ before the re-fit
    // after 20 samples at 1/20 per sample: μ₀ = 2 · (1 − (19/20)^20) ≈ 1.283
    expect(r.before[0]).toBeCloseTo(2 * (1 - (19 / 20) ** 20), 10);
  });

  it('does not adapt while paused', () => {
    const d = fitted(20);
    d.paused = true;
    for (let i = 0; i < 50; i++) d.add([2, 2]);
    const before = d.value()!;
    d.paused = false;
    for (let i = 0; i < 50; i++) d.add([2, 2]);
    expect(d.value()!).toBeLessThan(before / 10);
  });

  it('re-baselines onto the sliding mean: D_mean 0, the shift in σ₀ per channel', () => {
    const d = fitted(0);
    for (let i = 0; i < 4; i++) d.add([3, 1]);
    const r = d.rebaseline()!;
    expect(d.value()).toBe(0);
    expect(Array.from(r.after)).toEqual([3, 1]);
    // fit: mean 0, unbiased variance 8/7 per channel (plus a 1e-6 relative ridge)
    const sd = Math.sqrt((8 / 7) * (1 + 1e-6));
    expect(r.shift[0]).toBeCloseTo(3 / sd, 6);
    expect(r.shift[1]).toBeCloseTo(1 / sd, 6);
  });

  it('has nothing to re-baseline before the fit, and refuses a bad adaptWindow', () => {
    expect(new MeanShiftDetector({ k: 1, window: 2, fitSamples: 4 }).rebaseline()).toBeNull();
    for (const adaptWindow of [0.5, -1, Number.NaN]) {
      expect(() => new MeanShiftDetector({ k: 1, window: 2, fitSamples: 4, adaptWindow })).toThrow(
        /adaptWindow/,
      );
    }
  });

  it('splits the statistic by channel (RBC shares), null before the fit', () => {
    const d = new MeanShiftDetector({ k: 2, window: 2, fitSamples: 4 });
    // independent ±1 channels: Σ₀ = (4/3) I, so RBC = dᵢ² · 3/4
    for (const p of [
      [-1, -1],
      [-1, 1],
      [1, -1],
      [1, 1],
    ]) {
      d.add(p);
      expect(d.contributions()).toBeNull();
    }
    d.add([3, 0]);
    d.add([3, 0]);
    const one = d.contributions()!;
    expect(one[0]).toBeCloseTo(1, 12);
    expect(one[1]).toBeCloseTo(0, 12);
    d.add([1, 2]);
    // d = (2, 1): RBC ∝ (4, 1)
    const s = d.contributions()!;
    expect(s[0]).toBeCloseTo(0.8, 6);
    expect(s[1]).toBeCloseTo(0.2, 6);
  });
});
