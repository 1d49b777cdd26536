import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ForgettingCovariance } from '../../../shared/covariance/forgetting.ts';
import { SlidingWindowCovariance } from '../../../shared/covariance/sliding.ts';
import { NonFiniteInputError } from '../../../shared/covariance/errors.ts';
import { latentRows, maxRelativeError, referenceCovariance } from '../helpers.ts';

describe('ForgettingCovariance', () => {
  it.each([0.1, 0.01, 0.002])('effective n → 1/β (β = %f)', (beta) => {
    const k = 3;
    const count = Math.ceil(20 / beta);
    const s = new ForgettingCovariance(k, beta);
    s.pushBatch(latentRows(count, k, 1), count);
    expect(s.n * beta).toBeCloseTo(1, 6);
  });

  it('weights recent vectors: after a level shift the mean follows within ~5/β vectors', () => {
    const s = new ForgettingCovariance(2, 0.05);
    for (let i = 0; i < 200; i++) s.push([0, 0]);
    for (let i = 0; i < 100; i++) s.push([10, -10]);
    expect(s.mean()[0]).toBeGreaterThan(9.9);
  });

  it('batched update equals the per-vector update (to 1e-9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
        fc.integer(),
        (k, sizes, beta, seed) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const rows = latentRows(total, k, seed, { offset: 3 });
          const naive = new ForgettingCovariance(k, beta);
          for (let r = 0; r < total; r++) naive.push(rows.subarray(r * k, (r + 1) * k));
          const batched = new ForgettingCovariance(k, beta);
          let start = 0;
          for (const size of sizes) {
            batched.pushBatch(rows.subarray(start * k, (start + size) * k), size);
            start += size;
          }
          expect(Math.abs(batched.n - naive.n)).toBeLessThan(1e-9 * naive.n + 1e-12);
          expect(maxRelativeError(batched.covariance(), naive.covariance())).toBeLessThan(1e-9);
          expect(maxRelativeError(batched.mean(), naive.mean())).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects β outside (0, 1) and non-finite input, unchanged', () => {
    expect(() => new ForgettingCovariance(2, 0)).toThrow(/beta/);
    const s = new ForgettingCovariance(2, 0.1);
    s.push([1, 2]);
    expect(() => s.push([NaN, 1])).toThrow(NonFiniteInputError);
    expect(s.n).toBe(1);
  });
});

describe('SlidingWindowCovariance', () => {
  it('equals the exact covariance of the last `size` vectors, across many recomputes', () => {
    const k = 4;
    const size = 37;
    const count = 1000;
    const rows = latentRows(count, k, 3, { offset: 1e4 });
    const s = new SlidingWindowCovariance(k, size);
    for (let r = 0; r < count; r++) {
      s.push(rows.subarray(r * k, (r + 1) * k));
      if (r % 97 === 0 || r === count - 1) {
        const n = Math.min(r + 1, size);
        const start = r + 1 - n;
        const ref = referenceCovariance(rows.subarray(start * k, (r + 1) * k), n, k);
        expect(s.n).toBe(n);
        if (n >= 2) expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-9);
        expect(maxRelativeError(s.mean(), ref.mean)).toBeLessThan(1e-12);
      }
    }
  });

  it('pushBatch equals pushes and validates before changing anything', () => {
    const k = 3;
    const rows = latentRows(50, k, 8);
    const a = new SlidingWindowCovariance(k, 10);
    const b = new SlidingWindowCovariance(k, 10);
    a.pushBatch(rows, 50);
    for (let r = 0; r < 50; r++) b.push(rows.subarray(r * k, (r + 1) * k));
    expect(maxRelativeError(a.covariance(), b.covariance())).toBeLessThan(1e-12);
    const bad = latentRows(3, k, 9);
    bad[4] = Infinity;
    expect(() => a.pushBatch(bad, 3)).toThrow(/row 1, column 1/);
    expect(Array.from(a.covariance())).toEqual(Array.from(b.covariance()));
  });
});
