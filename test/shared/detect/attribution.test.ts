import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelCoupling,
  couplingChange,
  excessShares,
  inverseDiagonal,
  rankChannels,
  reconstructionContributions,
  shares,
  totalCorrelation,
} from '../../../shared/detect/attribution.ts';
import { cholesky, choleskySolve } from '../../../shared/linalg/cholesky.ts';

/** RBC of d against Σ, the long way round (for the tests only). */
function rbc(sigma: number[], k: number, d: number[]): Float64Array {
  const f = cholesky(sigma, k, 0)!;
  return reconstructionContributions(choleskySolve(f, d), inverseDiagonal(f));
}

/** A random positive-definite k×k matrix B Bᵀ + εI from fast-check's numbers. */
const pdMatrix = (k: number) =>
  fc
    .array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: k * k, maxLength: k * k })
    .map((b) => {
      const a = new Array<number>(k * k).fill(0);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          let s = i === j ? 0.05 : 0;
          for (let q = 0; q < k; q++) s += b[i * k + q]! * b[j * k + q]!;
          a[i * k + j] = s;
        }
      return a;
    });

describe('inverseDiagonal', () => {
  it.each([
    { a: [4, 2, 2, 3], k: 2, want: [3 / 8, 4 / 8] },
    { a: [2, 0, 0, 0, 5, 0, 0, 0, 10], k: 3, want: [0.5, 0.2, 0.1] },
    { a: [1], k: 1, want: [1] },
  ])('diag of the inverse of $a', ({ a, k, want }) => {
    const d = inverseDiagonal(cholesky(a, k, 0)!);
    want.forEach((w, i) => expect(d[i]).toBeCloseTo(w, 14));
  });
});

describe('reconstructionContributions', () => {
  it.each([
    // diagonal Σ: RBC = dᵢ²/σᵢ², the T² split exactly
    { name: 'diagonal', sigma: [1, 0, 0, 4], d: [1, 2], want: [1, 1] },
    // ρ = 0.5, d = e₁: Σ⁻¹d = (1, −ρ)/(1 − ρ²), diag(Σ⁻¹) = 1/(1 − ρ²)
    { name: 'correlated, one channel', sigma: [1, 0.5, 0.5, 1], d: [1, 0], want: [4 / 3, 1 / 3] },
    { name: 'no shift', sigma: [1, 0.5, 0.5, 1], d: [0, 0], want: [0, 0] },
  ])('$name', ({ sigma, d, want }) => {
    const c = rbc(sigma, 2, d);
    want.forEach((w, i) => expect(c[i]).toBeCloseTo(w, 12));
  });

  it('stays ≥ 0 where the partial decomposition dᵢ(Σ⁻¹d)ᵢ goes negative', () => {
    const sigma = [1, 0.9, 0.9, 1];
    const d = [1, 0.2];
    const solved = choleskySolve(cholesky(sigma, 2, 0)!, d);
    expect(d[1]! * solved[1]!).toBeLessThan(0);
    const c = rbc(sigma, 2, d);
    expect(c[0]).toBeGreaterThan(c[1]!);
    expect(c[1]).toBeGreaterThanOrEqual(0);
  });

  it('names the shifted channel first for any Σ and any one-channel shift', () => {
    fc.assert(
      fc.property(
        pdMatrix(4),
        fc.integer({ min: 0, max: 3 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (sigma, j, f) => {
          const d = [0, 0, 0, 0];
          d[j] = f;
          const c = rbc(sigma, 4, d);
          for (let i = 0; i < 4; i++) expect(c[j]!).toBeGreaterThanOrEqual(c[i]! * (1 - 1e-9));
        },
      ),
    );
  });

  it('refuses a diagonal that no positive-definite Σ has, naming the entry', () => {
    expect(() => reconstructionContributions([1, 2], [1, 0])).toThrow(/diag\(Σ⁻¹\)\[1\]/);
    expect(() => reconstructionContributions([1, NaN], [1, 1])).toThrow(/Σ⁻¹d\[1\]/);
    expect(() => reconstructionContributions([1], [1, 1])).toThrow(/1 entries/);
  });
});

describe('shares', () => {
  it.each([
    { v: [1, 3], want: [0.25, 0.75] },
    { v: [0, 0, 2], want: [0, 0, 1] },
  ])('$v', ({ v, want }) => expect(Array.from(shares(v)!)).toEqual(want));

  it('is null when there is nothing to share, and refuses negative scores', () => {
    expect(shares([0, 0])).toBeNull();
    expect(shares([])).toBeNull();
    expect(() => shares([1, -1])).toThrow(/score\[1\]/);
  });

  it('sums to 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), (v) => {
        const s = shares(v);
        if (v.every((x) => x === 0)) expect(s).toBeNull();
        else expect(s!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      }),
    );
  });
});

describe('channelCoupling', () => {
  it('is the bivariate mutual information −½ log(1 − ρ²) for two channels', () => {
    const c = channelCoupling([4, 0.6 * 2 * 3, 0.6 * 2 * 3, 9], 2);
    const want = -0.5 * Math.log(1 - 0.36);
    expect(c[0]).toBeCloseTo(want, 5);
    expect(c[1]).toBeCloseTo(want, 5);
  });

  it('is 0 for independent channels and for a dead one, which leaves the others alone', () => {
    expect(Array.from(channelCoupling([1, 0, 0, 0, 2, 0, 0, 0, 3], 3))).toEqual([0, 0, 0]);
    // channel 1 is constant; 0 and 2 have ρ = 0.6
    const c = channelCoupling([1, 0, 0.6, 0, 0, 0, 0.6, 0, 1], 3);
    expect(c[1]).toBe(0);
    expect(c[0]).toBeCloseTo(-0.5 * Math.log(0.64), 5);
    expect(Array.from(channelCoupling([0, 0, 0, 0], 2))).toEqual([0, 0]);
  });

  it('is large but finite for an exact copy (singular R), bounded by the ridge', () => {
    const c = channelCoupling([1, 1, 1, 1], 2, 1e-6);
    for (const v of c) {
      expect(v).toBeGreaterThan(6);
      expect(v).toBeLessThanOrEqual(0.5 * Math.log((1 + 1e-6) / 1e-6) + 1e-9);
    }
  });

  it('follows the chain rule TC(X) = TC(X₋ᵢ) + I(Xᵢ; X₋ᵢ)', () => {
    fc.assert(
      fc.property(pdMatrix(4), fc.integer({ min: 0, max: 3 }), (cov, i) => {
        const rest = [0, 1, 2, 3].filter((j) => j !== i);
        const sub = rest.flatMap((a) => rest.map((b) => cov[a * 4 + b]!));
        const tc = totalCorrelation(cov, 4);
        const c = channelCoupling(cov, 4);
        expect(c[i]!).toBeCloseTo(tc - totalCorrelation(sub, 3), 6);
        expect(c[i]!).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('names bad input', () => {
    expect(() => channelCoupling([1, 2, 3], 2)).toThrow(/3 entries, expected 4/);
    expect(() => channelCoupling([1, 0, 0, -1], 2)).toThrow(/covariance\[1\]\[1\]/);
    expect(() => channelCoupling([1, 0, 0, Infinity], 2)).toThrow(/covariance\[3\]/);
    expect(() => channelCoupling([1], 1, 0)).toThrow(/ridge/);
  });
});

describe('couplingChange', () => {
  it('is live − baseline, and refuses mismatched channels', () => {
    expect(Array.from(couplingChange([1, 0.5], [0.5, 2]))).toEqual([0.5, -1.5]);
    expect(() => couplingChange([1], [1, 2])).toThrow(/1 channels, baseline 2/);
  });
});

describe('excessShares', () => {
  it.each([
    { name: 'excess over the baseline', e: [2, 1, 1], b: [1, 1, 1], want: [1, 0, 0] },
    { name: 'a channel under its baseline', e: [2, 0.5, 4], b: [1, 1, 1], want: [0.25, 0, 0.75] },
    { name: 'no excess: the error itself', e: [1, 3], b: [2, 4], want: [0.25, 0.75] },
    { name: 'no baseline', e: [1, 3], b: null, want: [0.25, 0.75] },
  ])('$name', ({ e, b, want }) => {
    const s = excessShares(e, b)!;
    want.forEach((w, i) => expect(s[i]).toBeCloseTo(w, 12));
  });

  it('is null on zero error and names bad input', () => {
    expect(excessShares([0, 0], [1, 1])).toBeNull();
    expect(() => excessShares([1], [1, 1])).toThrow(/1 channels, baseline 2/);
    expect(() => excessShares([NaN], null)).toThrow(/error\[0\]/);
  });
});

describe('rankChannels', () => {
  it.each([
    { v: [0.1, 0.7, 0.2], n: 2, by: 'value' as const, want: [1, 2] },
    { v: [0.5, 0, 0.5], n: 3, by: 'value' as const, want: [0, 2] },
    { v: [0.3, -0.9, 0.5], n: 2, by: 'abs' as const, want: [1, 2] },
    { v: [0.3, -0.9, 0.5], n: 3, by: 'value' as const, want: [2, 0] },
    { v: [1, 2], n: 0, by: 'value' as const, want: [] },
  ])('$v by $by, top $n', ({ v, n, by, want }) => {
    expect(rankChannels(v, n, by).map((r) => r.index)).toEqual(want);
  });

  it('refuses a bad count or score', () => {
    expect(() => rankChannels([1], -1)).toThrow(/n must be/);
    expect(() => rankChannels([NaN], 1)).toThrow(/score\[0\]/);
  });
});
