import { describe, expect, it } from 'vitest';
import { correlationMatrix, CouplingReference } from '../../../shared/detect/coupling-shift.ts';

/** ½[tr(R₀⁻¹R) − log det(R₀⁻¹R) − 2] for two channels, correlations ρ₀ and ρ */
const kl2 = (r0: number, r: number) =>
  0.5 * ((2 - 2 * r * r0) / (1 - r0 * r0) - Math.log((1 - r * r) / (1 - r0 * r0)) - 2);
const cov2 = (va: number, vb: number, rho: number) => [
  va,
  rho * Math.sqrt(va * vb),
  rho * Math.sqrt(va * vb),
  vb,
];

describe('coupling_shift (KL between correlation matrices)', () => {
  it('is 0 against its own reference, whatever the scales', () => {
    const ref = new CouplingReference(cov2(1, 1, 0.6), 2);
    expect(ref.shift(cov2(1, 1, 0.6))).toBeCloseTo(0, 9);
    expect(ref.shift(cov2(40, 0.01, 0.6))).toBeCloseTo(0, 9);
  });

  it('matches the closed form for two channels, both ways', () => {
    for (const [r0, r] of [
      [0.6, 0],
      [0, 0.9],
      [-0.5, 0.5],
      [0.95, 0.3],
    ] as const) {
      const ref = new CouplingReference(cov2(2, 3, r0), 2);
      // the ridge (λ = 1e-6) moves it by a few λ/(1 − ρ²): a relative 1e-4 bounds that
      const want = kl2(r0, r);
      expect(Math.abs(ref.shift(cov2(5, 0.5, r)) - want)).toBeLessThan(1e-4 * want);
    }
  });

  it('grows when a channel locks to another, finite even for an exact copy', () => {
    const ref = new CouplingReference(cov2(1, 1, 0.2), 2);
    const near = ref.shift(cov2(1, 1, 0.99));
    const copy = ref.shift(cov2(1, 1, 1));
    expect(near).toBeGreaterThan(1);
    expect(copy).toBeGreaterThan(near);
    expect(Number.isFinite(copy)).toBe(true);
  });

  it('takes a dead channel as independent: dead in both adds nothing, dying counts', () => {
    // a, b coupled; c constant in the reference
    const ref3 = [1, 0.8, 0, 0.8, 1, 0, 0, 0, 0];
    const ref = new CouplingReference(ref3, 3);
    expect(ref.shift(ref3)).toBeCloseTo(0, 9);
    // b dies live: the a–b coupling is lost
    const live = [1, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(ref.shift(live)).toBeCloseTo(kl2(0.8, 0), 4);
    // everything dead: the identity, finite
    expect(ref.shift(new Array(9).fill(0))).toBeCloseTo(kl2(0.8, 0), 4);
    expect(correlationMatrix(live, 3)).toEqual(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1));
  });

  it('refuses a covariance of the wrong size or with a bad variance', () => {
    const ref = new CouplingReference(cov2(1, 1, 0.5), 2);
    expect(() => ref.shift([1, 0, 0])).toThrow(RangeError);
    expect(() => ref.shift([Number.NaN, 0, 0, 1])).toThrow(RangeError);
    expect(() => ref.shift([-1, 0, 0, 1])).toThrow(RangeError);
    expect(() => new CouplingReference([1], 0)).toThrow(RangeError);
  });
});
