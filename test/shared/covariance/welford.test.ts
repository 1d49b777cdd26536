import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RunningCovariance } from '../../../shared/covariance/welford.ts';
import { blockedGramKernel } from '../../../shared/covariance/gram.ts';
import { DimensionMismatchError, NonFiniteInputError } from '../../../shared/covariance/errors.ts';
import { latentRows, maxRelativeError, referenceCovariance } from '../helpers.ts';

function pushAll(rows: Float64Array, count: number, k: number): RunningCovariance {
  const s = new RunningCovariance(k);
  for (let r = 0; r < count; r++) s.push(rows.subarray(r * k, (r + 1) * k));
  return s;
}

describe('RunningCovariance', () => {
  it('matches a two-pass float64 reference, even with large offsets', () => {
    const k = 5;
    const count = 400;
    const rows = latentRows(count, k, 1, { offset: 1e6 });
    const ref = referenceCovariance(rows, count, k);
    const s = pushAll(rows, count, k);
    expect(s.n).toBe(count);
    expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-9);
    expect(maxRelativeError(s.mean(), ref.mean)).toBeLessThan(1e-12);
  });

  it('merge of two summaries equals one pass over both (to 1e-9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer(),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (k, na, nb, seed, offset) => {
          const rows = latentRows(na + nb, k, seed, { offset });
          const whole = pushAll(rows, na + nb, k);
          const a = pushAll(rows.subarray(0, na * k), na, k);
          const b = pushAll(rows.subarray(na * k), nb, k);
          const merged = a.merge(b);
          expect(merged.n).toBe(na + nb);
          expect(maxRelativeError(merged.scatterMatrix(), whole.scatterMatrix())).toBeLessThan(
            1e-9,
          );
          expect(maxRelativeError(merged.mean(), whole.mean())).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('batched update equals the per-vector update (to 1e-9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        (k, batchSizes, seed) => {
          const total = batchSizes.reduce((s, b) => s + b, 0);
          const rows = latentRows(total, k, seed, { offset: 10 });
          const naive = pushAll(rows, total, k);
          const batched = new RunningCovariance(k);
          let start = 0;
          for (const size of batchSizes) {
            batched.pushBatch(rows.subarray(start * k, (start + size) * k), size);
            start += size;
          }
          expect(batched.n).toBe(total);
          expect(maxRelativeError(batched.scatterMatrix(), naive.scatterMatrix())).toBeLessThan(
            1e-9,
          );
          expect(maxRelativeError(batched.mean(), naive.mean())).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts float32 batches and an explicit kernel, sync or async', async () => {
    const k = 9;
    const rows = Float32Array.from(latentRows(100, k, 4));
    const viaSync = new RunningCovariance(k);
    viaSync.pushBatch(rows, 100, blockedGramKernel);
    const viaAsync = new RunningCovariance(k);
    await viaAsync.pushBatchAsync(rows, 100, {
      name: 'async-js',
      gramAsync: async (y, count, kk) => blockedGramKernel.gram(y, count, kk),
    });
    const ref = referenceCovariance(rows, 100, k);
    expect(maxRelativeError(viaSync.covariance(), ref.cov)).toBeLessThan(1e-12);
    expect(maxRelativeError(viaAsync.covariance(), ref.cov)).toBeLessThan(1e-12);
  });

  it('round-trips through a JSON snapshot', () => {
    const s = pushAll(latentRows(50, 4, 9), 50, 4);
    const back = RunningCovariance.fromSnapshot(JSON.parse(JSON.stringify(s.toSnapshot())));
    expect(back.n).toBe(50);
    expect(Array.from(back.covariance())).toEqual(Array.from(s.covariance()));
    expect(() => RunningCovariance.fromSnapshot({ ...s.toSnapshot(), mean: [1] })).toThrow(
      /snapshot mean: expected 4, got 1/,
    );
  });

  it('clone is independent of the original', () => {
    const s = pushAll(latentRows(10, 3, 2), 10, 3);
    const c = s.clone();
    c.push([1, 2, 3]);
    expect(s.n).toBe(10);
    expect(c.n).toBe(11);
  });

  describe.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('a %s entry', (_label, bad) => {
    it('push throws NonFiniteInputError naming the column and leaves the state unchanged', () => {
      const s = pushAll(latentRows(20, 3, 5), 20, 3);
      const before = s.toSnapshot();
      const err = captureError(() => s.push([0, bad, 1]));
      expect(err).toBeInstanceOf(NonFiniteInputError);
      expect(err).toMatchObject({ row: 0, column: 1 });
      expect(s.toSnapshot()).toEqual(before);
    });

    it('pushBatch names the row and column and leaves the state unchanged', () => {
      const s = pushAll(latentRows(20, 3, 5), 20, 3);
      const before = s.toSnapshot();
      const rows = latentRows(4, 3, 6);
      rows[2 * 3 + 2] = bad;
      const err = captureError(() => s.pushBatch(rows, 4));
      expect(err).toMatchObject({ name: 'NonFiniteInputError', row: 2, column: 2 });
      expect((err as Error).message).toMatch(/row 2, column 2/);
      expect(s.toSnapshot()).toEqual(before);
    });
  });

  it('rejects a vector of the wrong length, naming expected and got', () => {
    const s = new RunningCovariance(3);
    const err = captureError(() => s.push([1, 2]));
    expect(err).toBeInstanceOf(DimensionMismatchError);
    expect((err as Error).message).toBe('vector length: expected 3, got 2');
    expect(() => s.pushBatch(new Float64Array(5), 2)).toThrow(/expected 6, got 5/);
    expect(s.n).toBe(0);
  });
});

function captureError(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
