import { describe, expect, it } from 'vitest';
import type { InferenceSession, ModelInfo } from '../../../agent/inference/types.ts';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import { createInfer } from '../../../agent/pipeline/operators/infer.ts';
import { Rng } from '../../../shared/random.ts';

const T = 4;
const C = 2;
const model: ModelInfo = {
  name: 'fake.onnx',
  sha256: '0'.repeat(64),
  window: T,
  channels: ['a', 'b'],
  latentDim: 1,
  normMean: [0, 0],
  normStd: [1, 1],
  maskRatio: 0.5,
  band: null,
};

/** A fake session: latent = sum of x; recon = x + 1 everywhere, so the masked MSE is exactly 1. */
function fakeSession(calls: Array<{ n: number; mask: Float32Array }>): InferenceSession {
  return {
    model,
    backend: 'node',
    fallbackReason: null,
    async run(x, mask, n) {
      calls.push({ n, mask: mask.slice() });
      const latent = new Float32Array(n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < T * C; j++) latent[i] = latent[i]! + x[i * T * C + j]!;
      return { latent, recon: x.map((v) => v + 1) };
    },
    async close() {},
  };
}

describe('batched inference', () => {
  it('runs unmasked and masked copies in one call; the masked copy hides ratio·T·C cells', async () => {
    const calls: Array<{ n: number; mask: Float32Array }> = [];
    const counters = new PipelineCounters();
    const infer = createInfer({ session: fakeSession(calls), rng: new Rng(7), counters });
    const w = (v: number) => ({ start: v, end: v + 3, x: new Float32Array(T * C).fill(v) });
    const out = await infer([w(1), w(2)]);

    expect(calls).toHaveLength(1);
    expect(calls[0]!.n).toBe(4);
    const mask = calls[0]!.mask;
    expect(mask.subarray(0, 2 * T * C).every((m) => m === 0)).toBe(true);
    for (let i = 2; i < 4; i++) {
      const hidden = mask.subarray(i * T * C, (i + 1) * T * C).filter((m) => m === 1);
      expect(hidden).toHaveLength(T * C * model.maskRatio);
    }
    expect(Array.from(out.latent)).toEqual([8, 16]);
    expect(Array.from(out.reconError)).toEqual([1, 1]);
    expect(Array.from(out.starts)).toEqual([1, 2]);
    expect(counters.windowsInferred).toBe(2);
  });

  it('draws the same masks from the same seed', async () => {
    const masks = async () => {
      const calls: Array<{ n: number; mask: Float32Array }> = [];
      const infer = createInfer({
        session: fakeSession(calls),
        rng: new Rng(3),
        counters: new PipelineCounters(),
      });
      await infer([{ start: 0, end: 1, x: new Float32Array(T * C) }]);
      return calls[0]!.mask;
    };
    expect(await masks()).toEqual(await masks());
  });

  it('reuses its buffers: a smaller batch after a larger one sees only its own rows', async () => {
    const calls: Array<{ n: number; mask: Float32Array }> = [];
    const infer = createInfer({
      session: fakeSession(calls),
      rng: new Rng(5),
      counters: new PipelineCounters(),
      maskPool: 4,
    });
    const w = (v: number) => ({ start: v, end: v + 3, x: new Float32Array(T * C).fill(v) });
    await infer([w(1), w(2), w(3)]);
    const out = await infer([w(5)]);
    expect(calls[1]!.n).toBe(2);
    expect(calls[1]!.mask.subarray(0, T * C).every((m) => m === 0)).toBe(true);
    expect(calls[1]!.mask.subarray(T * C).filter((m) => m === 1)).toHaveLength(T * C * 0.5);
    expect(Array.from(out.latent)).toEqual([5 * T * C]);
    expect(Array.from(out.reconError)).toEqual([1]);
  });

  it('splits the masked error by channel: the cells each mask hides, per channel', async () => {
    const calls: Array<{ n: number; mask: Float32Array }> = [];
    // recon = x + 1 on channel a, x + 3 on channel b: squared errors 1 and 9
    const session = fakeSession(calls);
    session.run = async (x, mask, n) => {
      calls.push({ n, mask: mask.slice() });
      return { latent: new Float32Array(n), recon: x.map((v, j) => v + (j % C === 0 ? 1 : 3)) };
    };
    const infer = createInfer({ session, rng: new Rng(3), counters: new PipelineCounters() });
    const w = () => ({ start: 0, end: 3, x: new Float32Array(T * C) });
    const out = await infer([w(), w(), w()]);
    const e = out.channelErrors!;
    expect(e.channels).toEqual(['a', 'b']);
    for (let i = 0; i < 3; i++) {
      const mask = calls[0]!.mask.subarray((3 + i) * T * C, (4 + i) * T * C);
      const hidden = [0, 1].map((c) => mask.filter((m, j) => m === 1 && j % C === c).length);
      expect(Array.from(e.hidden.subarray(i * C, (i + 1) * C))).toEqual(hidden);
      expect(Array.from(e.sum.subarray(i * C, (i + 1) * C))).toEqual([hidden[0]!, 9 * hidden[1]!]);
      expect(out.reconError[i]).toBeCloseTo((hidden[0]! + 9 * hidden[1]!) / (T * C * 0.5), 12);
    }
  });
});
