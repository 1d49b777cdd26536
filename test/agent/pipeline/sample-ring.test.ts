import { describe, expect, it } from 'vitest';
import { NormalizedSampleRing } from '../../../agent/pipeline/sample-ring.ts';

describe('normalized sample ring', () => {
  const ring = () => new NormalizedSampleRing({ size: 3, mean: [1, 20], std: [2, 10] });

  it('holds the last T samples, normalized, in time order across the wrap-around', () => {
    const r = ring();
    const x = new Float32Array(6);
    for (let t = 0; t < 5; t++) r.push(100 + t, [1 + 2 * t, 20 + 10 * t]);
    expect(r.filled).toBe(3);
    r.copyNormalized(x);
    // samples 2, 3, 4: ((1 + 2t) − 1) / 2 = t and ((20 + 10t) − 20) / 10 = t
    expect(Array.from(x)).toEqual([2, 2, 3, 3, 4, 4]);
    expect([r.start, r.end]).toEqual([102, 104]);
    const raw = new Float64Array(6);
    r.copyRaw(raw);
    expect(Array.from(raw)).toEqual([5, 40, 7, 50, 9, 60]);
  });

  it('normalizes as float64 then rounds to float32, as the normalize stage does', () => {
    const r = new NormalizedSampleRing({ size: 1, mean: [0.1], std: [0.3] });
    r.push(0, [0.7]);
    const x = new Float32Array(1);
    r.copyNormalized(x);
    expect(x[0]).toBe(Math.fround((0.7 - 0.1) * (1 / 0.3)));
  });

  it('counts the non-finite values of the samples it holds, and forgets those that leave', () => {
    const r = ring();
    r.push(0, [Number.NaN, 1]);
    r.push(1, [Number.POSITIVE_INFINITY, Number.NaN]);
    expect(r.nonFinite).toBe(3);
    r.push(2, [1, 1]);
    r.push(3, [1, 1]); // the first sample leaves
    expect(r.nonFinite).toBe(2);
    r.push(4, [1, 1]);
    expect(r.nonFinite).toBe(0);
  });

  it('rejects a sample of the wrong width without changing what it holds', () => {
    const r = ring();
    r.push(0, [1, 20]);
    expect(() => r.push(1, [1])).toThrow(/expected 2/);
    expect(r.filled).toBe(1);
    expect(() => new NormalizedSampleRing({ size: 0, mean: [0], std: [1] })).toThrow(/≥ 1/);
  });
});
