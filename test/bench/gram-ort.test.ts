import { describe, expect, it } from 'vitest';
import { createOrtGramKernel } from '../../bench/gram-ort.ts';
import { blockedGramKernel } from '../../shared/covariance/gram.ts';
import { RunningCovariance } from '../../shared/covariance/welford.ts';
import { latentRows, maxRelativeError, referenceCovariance } from '../shared/helpers.ts';

describe('onnxruntime Gram kernel', () => {
  it('float64: batched summary equals the float64 reference to 1e-9', async () => {
    const kernel = await createOrtGramKernel();
    expect(kernel.fallbackReason).toBeUndefined();
    expect(kernel.backend).toBe('onnxruntime');
    for (const k of [1, 7, 64]) {
      const rows = latentRows(600, k, k, { offset: 50 });
      const s = new RunningCovariance(k);
      for (let start = 0; start < 600; start += 256) {
        const count = Math.min(256, 600 - start);
        await s.pushBatchAsync(rows.subarray(start * k, (start + count) * k), count, kernel);
      }
      const ref = referenceCovariance(rows, 600, k);
      expect(maxRelativeError(s.covariance(), ref.cov)).toBeLessThan(1e-9);
    }
    await kernel.release();
  });

  it('float32: ~1e-7 relative, reported as such', async () => {
    const kernel = await createOrtGramKernel({ precision: 'float32' });
    const y = latentRows(256, 16, 3);
    const err = maxRelativeError(
      await kernel.gramAsync(y, 256, 16),
      blockedGramKernel.gram(y, 256, 16),
    );
    expect(err).toBeLessThan(1e-5);
    expect(kernel.name).toMatch(/float32/);
    await kernel.release();
  });

  it('concurrent batches do not share an output buffer', async () => {
    const kernel = await createOrtGramKernel();
    const a = latentRows(50, 5, 1);
    const b = latentRows(50, 5, 2);
    const [ga, gb] = await Promise.all([kernel.gramAsync(a, 50, 5), kernel.gramAsync(b, 50, 5)]);
    expect(maxRelativeError(ga, blockedGramKernel.gram(a, 50, 5))).toBeLessThan(1e-12);
    expect(maxRelativeError(gb, blockedGramKernel.gram(b, 50, 5))).toBeLessThan(1e-12);
    await kernel.release();
  });

  it('falls back to the pure-JS kernel when onnxruntime-node cannot load', async () => {
    const kernel = await createOrtGramKernel({
      loadRuntime: () => Promise.reject(new Error('no binary for this platform')),
    });
    expect(kernel.backend).toBe('js');
    expect(kernel.fallbackReason).toMatch(/no binary for this platform/);
    const y = latentRows(20, 4, 1);
    expect(Array.from(await kernel.gramAsync(y, 20, 4))).toEqual(
      Array.from(blockedGramKernel.gram(y, 20, 4)),
    );
  });
});
