import { describe, expect, it } from 'vitest';
import {
  bandFrom,
  calibrate,
  separation,
  spearman,
  type MeasureValues,
  type SweepPoint,
} from '../../mae/calibrate.ts';
import { parseSensorCsv } from '../../mae/csv.ts';
import { calibrationSvg, calibrationTable } from '../../mae/report.ts';
import { SCALAR_MEASURES } from '../../shared/measures/types.ts';
import { UserError } from '../../shared/errors.ts';
import { factorCsv } from './fixtures.ts';

const values = (tc: number | null): MeasureValues =>
  Object.fromEntries(SCALAR_MEASURES.map((m) => [m, m === 'tc' ? tc : 1])) as MeasureValues;
const point = (maskRatio: number, errorRef: number, tc: number | null): SweepPoint => ({
  maskRatio,
  errorOwn: errorRef,
  errorRef,
  errorSweep: errorRef,
  measures: values(tc),
  halves: [values(tc === null ? null : tc - 0.01), values(tc === null ? null : tc + 0.01)],
  degenerate: null,
  trainLoss: [],
});

describe('band and separation', () => {
  it('spearman is ±1 on monotone data and handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
    expect(spearman([1, 2, 3, 4], [1, 2, 2, 3])).toBeCloseTo(0.9487, 3);
  });

  it('R* is the best model; the band spans the models within tolerance', () => {
    const pts = [
      point(0.1, 1.0, 1),
      point(0.3, 0.55, 2),
      point(0.5, 0.5, 3),
      point(0.7, 0.54, 4),
      point(0.9, 0.9, 5),
    ];
    const b = bandFrom(pts, 'tc', 0.1);
    expect(b.best).toBe(2);
    expect(b.rStar).toBe(3);
    expect(b.inBand).toEqual([1, 2, 3]);
    expect(b.band).toEqual({ measure: 'tc', low: 2, center: 3, high: 4 });
    expect(b.interiorMinimum).toBe(true);
    expect(b.shape).toBe('U');
    // the high end within tolerance: error falls with redundancy, no U
    expect(bandFrom([...pts.slice(0, 4), point(0.9, 0.52, 5)], 'tc', 0.1).shape).toBe('falling');
    expect(bandFrom(pts, 'tc', 0).band).toEqual({ measure: 'tc', low: 3, center: 3, high: 3 });
    const sep = separation(pts).find((s) => s.measure === 'tc')!;
    expect(sep.spearman).toBeCloseTo(1, 12);
    // spread = std(1..5) ≈ 1.58, noise = 0.01
    expect(sep.spreadToNoise).toBeCloseTo(Math.sqrt(2.5) / 0.01, 6);
  });

  it('picks R* by the mean error over the sweep unless told to use the reference ratio', () => {
    const pts = [point(0.1, 1, 1), point(0.5, 0.6, 2), point(0.9, 1, 3)];
    pts[0]!.errorSweep = 0.5; // best on average, worse at the reference ratio
    expect(bandFrom(pts, 'tc', 0.1).best).toBe(0);
    expect(bandFrom(pts, 'tc', 0.1, 'reference').best).toBe(1);
  });

  it('refuses a band on a measure that is +∞ for the best model', () => {
    expect(() =>
      bandFrom([point(0.1, 1, 1), point(0.5, 0.5, null), point(0.9, 1, 2)], 'tc', 0.1),
    ).toThrow(UserError);
  });
});

describe('calibrate', () => {
  it('sweeps, scores on held-out windows and reports', async () => {
    const table = parseSensorCsv('f.csv', factorCsv(400, 4, 9));
    const seen: number[] = [];
    const { result, chosen } = await calibrate(table, {
      maskRatios: [0.6, 0.2, 0.4],
      measure: 'tc',
      tolerance: 0.1,
      holdout: 0.3,
      referenceRatio: 0.5,
      bandMargin: 1,
      window: 8,
      latentDim: 2,
      hidden: 8,
      epochs: 2,
      seed: 3,
      hop: 2,
      onModel: (_i, _n, r) => seen.push(r),
    });
    expect(seen).toEqual([0.2, 0.4, 0.6]);
    expect(result.rows).toEqual({ train: 280, heldOut: 120 });
    expect(result.windows.heldOut).toBe(Math.floor((120 - 8) / 2) + 1);
    expect(result.points.map((p) => p.maskRatio)).toEqual([0.2, 0.4, 0.6]);
    for (const p of result.points) {
      expect(p.errorRef).toBeGreaterThan(0);
      expect(p.measures.tc).toBeGreaterThanOrEqual(0);
    }
    expect(chosen.trained.maskRatio).toBe(result.points[result.best]!.maskRatio);
    expect(result.band.center).toBe(result.rStar);
    expect(result.band.low).toBeLessThanOrEqual(result.rStar);
    // bandMargin 1 widens the sweep's band by the measure's noise estimate on each side
    const noise = result.separation.find((s) => s.measure === 'tc')!.noise!;
    expect(result.band.low).toBeCloseTo(result.sweepBand.low - noise, 12);
    expect(result.band.high).toBeCloseTo(result.sweepBand.high + noise, 12);
    expect(calibrationTable(result)).toMatch(/R\* \(tc\) = .* at mask ratio/);
    const svg = calibrationSvg(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(3);
  });

  it('rejects bad sweep options before training', async () => {
    const table = parseSensorCsv('f.csv', factorCsv(100, 2, 1));
    const base = {
      measure: 'tc' as const,
      tolerance: 0.1,
      holdout: 0.3,
      referenceRatio: 0.5,
      window: 8,
      latentDim: 2,
      hidden: 4,
      epochs: 1,
      seed: 1,
      hop: 2,
    };
    await expect(calibrate(table, { ...base, maskRatios: [0.1, 0.2] })).rejects.toThrow(
      'at least 3 ratios',
    );
    await expect(calibrate(table, { ...base, maskRatios: [0.1, 0.2, 1.2] })).rejects.toThrow(
      '(0, 1)',
    );
    await expect(
      calibrate(table, { ...base, maskRatios: [0.1, 0.2, 0.3], holdout: 0.05 }),
    ).rejects.toThrow(/held-out/);
  });
});
