import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createOrtGramKernel, jsShiftedMoments } from '../../bench/gram-ort.ts';
import {
  type ShiftedMomentsKernel,
  allFinite,
  blockedGramKernel,
  centerBatch,
  mergeMomentsInto,
  mergeShiftedMomentsInto,
} from '../../shared/covariance/gram.ts';
import { RunningCovariance } from '../../shared/covariance/welford.ts';
import { NonFiniteInputError } from '../../shared/covariance/errors.ts';
import { latentRows, maxRelativeError, referenceCovariance } from '../shared/helpers.ts';

function pushAll(rows: Float64Array, count: number, k: number): RunningCovariance {
  const s = new RunningCovariance(k);
  for (let r = 0; r < count; r++) s.push(rows.subarray(r * k, (r + 1) * k));
  return s;
}

/** The pure-JS moments behind the kernel interface (no native code). */
const jsMomentsKernel: ShiftedMomentsKernel = {
  name: 'js-moments',
  shiftedMomentsAsync: async (rows, count, k, shift, consume) =>
    consume(jsShiftedMoments(rows, count, k, shift)),
};

describe('shifted batch moments', () => {
  it('allFinite flags NaN and ±Infinity only', () => {
    expect(allFinite([1, -2, 1e308])).toBe(true);
    expect(allFinite([1, NaN])).toBe(false);
    expect(allFinite([Infinity, 1])).toBe(false);
    expect(allFinite([-Infinity])).toBe(false);
    expect(allFinite([1, NaN], 1)).toBe(true);
  });

  it('the shifted merge equals the centered Chan merge for any shift', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (k, na, nb, seed, shiftOffset) => {
          const rows = latentRows(na + nb, k, seed, { offset: 20 });
          const a = pushAll(rows, na, k);
          const batch = rows.subarray(na * k);
          const viaCentered = { weight: a.n, mean: a.mean(), scatter: a.scatterMatrix() };
          const c = centerBatch(batch, nb, k);
          mergeMomentsInto(viaCentered, {
            weight: c.weight,
            mean: c.mean,
            scatter: blockedGramKernel.gram(c.centered, nb, k),
          });
          const shift = batch.slice(0, k).map((v) => v + shiftOffset * 1e-3);
          const viaShifted = { weight: a.n, mean: a.mean(), scatter: a.scatterMatrix() };
          mergeShiftedMomentsInto(viaShifted, nb, shift, jsShiftedMoments(batch, nb, k, shift));
          expect(viaShifted.weight).toBe(na + nb);
          expect(maxRelativeError(viaShifted.scatter, viaCentered.scatter)).toBeLessThan(1e-10);
          expect(maxRelativeError(viaShifted.mean, viaCentered.mean)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('pushBatchAsync through the moments interface equals per-vector pushes (to 1e-9)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 13 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        async (k, batchSizes, seed) => {
          const total = batchSizes.reduce((s, b) => s + b, 0);
          const rows = latentRows(total, k, seed, { offset: 1e4 });
          const naive = pushAll(rows, total, k);
          const batched = new RunningCovariance(k);
          let start = 0;
          for (const size of batchSizes) {
            await batched.pushBatchAsync(
              rows.subarray(start * k, (start + size) * k),
              size,
              jsMomentsKernel,
            );
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

  describe('onnxruntime float64 kernel', () => {
    it('does shift, product and sums natively and matches the JS moments', async () => {
      const kernel = await createOrtGramKernel();
      expect(kernel.backend).toBe('onnxruntime');
      for (const k of [1, 5, 64]) {
        const rows = latentRows(300, k, k, { offset: 100 });
        const shift = rows.slice(0, k);
        const expected = jsShiftedMoments(rows, 300, k, shift);
        const got = await kernel.shiftedMomentsAsync(rows, 300, k, shift, (m) => ({
          gram: m.gram.slice(),
          sums: m.sums.slice(),
        }));
        expect(maxRelativeError(got.gram, expected.gram)).toBeLessThan(1e-12);
        expect(maxRelativeError(got.sums, expected.sums)).toBeLessThan(1e-12);
      }
      await kernel.release();
    });

    it('is exact under an abrupt level shift and huge offsets', async () => {
      const kernel = await createOrtGramKernel();
      const k = 16;
      const before = latentRows(512, k, 1, { offset: 1e6 });
      const after = latentRows(512, k, 2, { offset: 1e6 + 1e3 });
      const rows = new Float64Array(1024 * k);
      rows.set(before);
      rows.set(after, 512 * k);
      const s = new RunningCovariance(k);
      for (let start = 0; start < 1024; start += 256) {
        await s.pushBatchAsync(rows.subarray(start * k, (start + 256) * k), 256, kernel);
      }
      const ref = referenceCovariance(rows, 1024, k);
      expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-9);
      expect(maxRelativeError(s.mean(), ref.mean)).toBeLessThan(1e-12);
      await kernel.release();
    });

    it('accepts float32 batches, single rows and a batch after single pushes', async () => {
      const kernel = await createOrtGramKernel();
      const k = 9;
      const rows = latentRows(101, k, 4, { offset: 3 });
      const s = new RunningCovariance(k);
      s.push(rows.subarray(0, k));
      await s.pushBatchAsync(rows.subarray(k, 2 * k), 1, kernel);
      await s.pushBatchAsync(Float32Array.from(rows.subarray(2 * k)), 99, kernel);
      const asF32 = Float64Array.from(Float32Array.from(rows.subarray(2 * k)));
      const all = new Float64Array(101 * k);
      all.set(rows.subarray(0, 2 * k));
      all.set(asF32, 2 * k);
      const ref = referenceCovariance(all, 101, k);
      expect(s.n).toBe(101);
      expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-12);
      await kernel.release();
    });

    it('concurrent batches on one summary give the one-pass result', async () => {
      const kernel = await createOrtGramKernel();
      const k = 6;
      const rows = latentRows(400, k, 7, { offset: 50 });
      const s = new RunningCovariance(k);
      await Promise.all(
        [0, 100, 200, 300].map((start) =>
          s.pushBatchAsync(rows.subarray(start * k, (start + 100) * k), 100, kernel),
        ),
      );
      const ref = referenceCovariance(rows, 400, k);
      expect(s.n).toBe(400);
      expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-12);
      await kernel.release();
    });

    it.each([
      ['NaN', NaN],
      ['+Infinity', Infinity],
      ['-Infinity', -Infinity],
    ])(
      'a %s entry rejects with its row and column and leaves the summary unchanged',
      async (_l, bad) => {
        const kernel = await createOrtGramKernel();
        const k = 4;
        const s = pushAll(latentRows(300, k, 3), 300, k);
        const before = s.toSnapshot();
        const rows = latentRows(256, k, 8);
        rows[37 * k + 2] = bad;
        const err = await s.pushBatchAsync(rows, 256, kernel).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NonFiniteInputError);
        expect(err).toMatchObject({ row: 37, column: 2 });
        expect(s.toSnapshot()).toEqual(before);
        // The kernel keeps working after a rejected batch.
        await s.pushBatchAsync(latentRows(10, k, 9), 10, kernel);
        expect(s.n).toBe(310);
        await kernel.release();
      },
    );
  });

  it('the JS fallback implements the moments interface too', async () => {
    const kernel = await createOrtGramKernel({
      loadRuntime: () => Promise.reject(new Error('no binary for this platform')),
    });
    expect(kernel.backend).toBe('js');
    const k = 5;
    const rows = latentRows(120, k, 2, { offset: 1e5 });
    const s = new RunningCovariance(k);
    await s.pushBatchAsync(rows.subarray(0, 60 * k), 60, kernel);
    await s.pushBatchAsync(rows.subarray(60 * k), 60, kernel);
    const ref = referenceCovariance(rows, 120, k);
    expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-9);
  });
});
