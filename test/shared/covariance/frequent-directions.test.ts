import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FrequentDirections,
  FrequentDirectionsCovariance,
} from '../../../shared/covariance/frequent-directions.ts';
import { symmetricEigenvalues } from '../../../shared/linalg/symmetric-eigen.ts';
import { latentRows, maxRelativeError, referenceCovariance } from '../helpers.ts';

function gramOf(rows: Float64Array, count: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let r = 0; r < count; r++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) g[i * k + j]! += rows[r * k + i]! * rows[r * k + j]!;
  return g;
}

/** Checks 0 ⪯ AᵀA − BᵀB and ‖AᵀA − BᵀB‖₂ ≤ factor · ‖A‖_F² / ℓ. */
function expectBound(
  a: Float64Array,
  count: number,
  k: number,
  fd: FrequentDirections,
  factor: number,
) {
  const exact = gramOf(a, count, k);
  const gap = exact.map((v, i) => v - fd.gram()[i]!);
  const eig = symmetricEigenvalues(gap, k);
  let frob = 0;
  for (const v of a) frob += v * v;
  const slack = 1e-9 * frob;
  expect(eig[k - 1]!).toBeGreaterThanOrEqual(-slack);
  expect(eig[0]!).toBeLessThanOrEqual((factor * frob) / fd.ell + slack);
}

describe('FrequentDirections', () => {
  it.each([
    { fast: false, factor: 1 },
    { fast: true, factor: 2 },
  ])('satisfies the FD bound (fast = $fast, factor $factor)', ({ fast, factor }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer(),
        (k, ell, count, seed) => {
          const rows = latentRows(count, k, seed, { factors: 3, noise: 0.3 });
          const fd = new FrequentDirections(k, ell, { fast });
          fd.pushBatch(rows, count);
          expectBound(rows, count, k, fd, factor);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a merge of two sketches still satisfies the bound for the union', () => {
    const k = 10;
    const rows = latentRows(300, k, 11, { factors: 4 });
    const a = new FrequentDirections(k, 6);
    const b = new FrequentDirections(k, 6);
    a.pushBatch(rows.subarray(0, 130 * k), 130);
    b.pushBatch(rows.subarray(130 * k), 170);
    expectBound(rows, 300, k, a.merge(b), 1);
  });

  it('is exact while the stream has fewer rows than ℓ', () => {
    const rows = latentRows(5, 4, 2);
    const fd = new FrequentDirections(4, 8);
    fd.pushBatch(rows, 5);
    expect(maxRelativeError(fd.gram(), gramOf(rows, 5, 4))).toBeLessThan(1e-12);
  });
});

describe('FrequentDirectionsCovariance', () => {
  it('equals the exact covariance when ℓ ≥ k, and approximates it from below otherwise', () => {
    const k = 6;
    const count = 500;
    const rows = latentRows(count, k, 5, { offset: 100 });
    const ref = referenceCovariance(rows, count, k);
    const wide = new FrequentDirectionsCovariance(k, k + 1);
    wide.pushBatch(rows, count);
    expect(maxRelativeError(wide.covariance(), ref.cov)).toBeLessThan(1e-9);
    expect(maxRelativeError(wide.mean(), ref.mean)).toBeLessThan(1e-12);
    const narrow = new FrequentDirectionsCovariance(k, 3);
    narrow.pushBatch(rows, count);
    const gap = ref.cov.map((v, i) => v - narrow.covariance()[i]!);
    expect(symmetricEigenvalues(gap, k)[k - 1]!).toBeGreaterThan(-1e-9);
  });
});
