import { describe, expect, it } from 'vitest';
import { loadModel } from '../../agent/inference/load.ts';
import { describeOnnx } from '../../shared/mae/onnx-describe.ts';
import { parseSensorCsv } from '../../mae/csv.ts';
import { maskedMse, predict } from '../../mae/model.ts';
import { exportFitted, fitTable, type FitOptions } from '../../mae/pipeline.ts';
import { makeWindows, normStats } from '../../mae/windows.ts';
import { hiddenCount, sampleMasks } from '../../shared/mae/masks.ts';
import { Rng } from '../../shared/random.ts';
import { checkMaeModel } from '../../shared/mae/contract.ts';
import { factorCsv } from './fixtures.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const table = parseSensorCsv('f.csv', factorCsv(300, 4, 3));
const opts: FitOptions = {
  window: 8,
  latentDim: 3,
  hidden: 16,
  maskRatio: 0.4,
  epochs: 3,
  seed: 11,
  hop: 2,
};
const dir = mkdtempSync(join(tmpdir(), 'redband-train-'));

describe('windows and masks', () => {
  it('hides exactly round(r·T·C) cells per window, never all and never none', () => {
    const m = sampleMasks(new Rng(1), 5, 20, 0.3);
    for (let i = 0; i < 5; i++)
      expect(m.subarray(i * 20, (i + 1) * 20).reduce((a, b) => a + b)).toBe(6);
    expect(hiddenCount(0.01, 20)).toBe(1);
    expect(hiddenCount(0.99, 20)).toBe(19);
  });

  it('floors the std of a constant channel', () => {
    const s = normStats(Float64Array.from([5, 1, 5, 2, 5, 3]), 3, 2);
    expect(s.mean).toEqual([5, 2]);
    expect(s.std[0]).toBeGreaterThan(0);
    expect(s.std[1]).toBeCloseTo(1, 12);
  });

  it('says when there are too few rows for one window', () => {
    expect(() => makeWindows(new Float32Array(6), 3, 2, 4, 1, 'x.csv')).toThrow(
      'x.csv has 3 rows, fewer than one window of 4',
    );
  });
});

describe('training and export', () => {
  it('is reproducible: same data and seed give a byte-identical .onnx, another seed does not', async () => {
    const a = exportFitted(await fitTable(table, table.rows, opts), null);
    const b = exportFitted(await fitTable(table, table.rows, opts), null);
    const c = exportFitted(await fitTable(table, table.rows, { ...opts, seed: 12 }), null);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('learns: the loss falls and the masked error beats predicting the mean', async () => {
    const f = await fitTable(table, table.rows, { ...opts, epochs: 6 });
    expect(f.trained.losses.at(-1)!).toBeLessThan(f.trained.losses[0]!);
    const w = makeWindows(
      Float32Array.from(table.data, (v, i) => (v - f.stats.mean[i % 4]!) / f.stats.std[i % 4]!),
      table.rows,
      4,
      8,
      2,
    );
    const mask = sampleMasks(new Rng(2), w.n, 32, 0.4);
    const out = await predict(f.trained.weights, f.trained.dims, w.x, mask, w.n);
    // normalized data: predicting 0 everywhere scores ≈ 1
    expect(maskedMse(w.x, out.recon, mask)).toBeLessThan(0.8);
  });

  it('exports a contract-conforming model that onnxruntime runs like tfjs (1e-4), on both runtimes (1e-5)', async () => {
    const f = await fitTable(table, table.rows, opts);
    const bytes = exportFitted(f, { measure: 'tc', low: 0.1, center: 0.2, high: 0.3 });
    const info = describeOnnx('m.onnx', bytes);
    const meta = checkMaeModel('m.onnx', info.props, info.inputs, info.outputs);
    expect(meta).toMatchObject({
      window: 8,
      latentDim: 3,
      maskRatio: 0.4,
      channels: ['ch0', 'ch1', 'ch2', 'ch3'],
    });
    expect(meta.normMean).toEqual(f.stats.mean);
    expect(meta.band).toEqual({ measure: 'tc', low: 0.1, center: 0.2, high: 0.3, source: 'model' });

    const path = join(dir, 'm.onnx');
    writeFileSync(path, bytes);
    const n = 7;
    const rng = new Rng(5);
    const x = Float32Array.from({ length: n * 32 }, () => 4 * rng.next() - 2);
    const mask = sampleMasks(rng, n, 32, 0.4);
    const want = await predict(f.trained.weights, f.trained.dims, x, mask, n);
    const node = await loadModel(path, { runtime: 'node' });
    const wasm = await loadModel(path, { runtime: 'wasm' });
    try {
      const a = await node.run(x, mask, n);
      const b = await wasm.run(x, mask, n);
      const maxDiff = (p: Float32Array, q: Float32Array) =>
        p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i]!)), 0);
      expect(a.latent).toHaveLength(n * 3);
      expect(maxDiff(a.latent, want.latent)).toBeLessThan(1e-4);
      expect(maxDiff(a.recon, want.recon)).toBeLessThan(1e-4);
      expect(maxDiff(a.latent, b.latent)).toBeLessThan(1e-5);
      expect(maxDiff(a.recon, b.recon)).toBeLessThan(1e-5);
    } finally {
      await node.close();
      await wasm.close();
    }
  });
});
