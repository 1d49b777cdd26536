import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLoaders, loadModel } from '../../../agent/inference/load.ts';
import { UserError } from '../../../shared/errors.ts';
import { buildFixture, fixtureWeights, type FixtureSpec } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'redband-load-'));
const T = 4;
const C = 3;
const K = 2;
const write = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const fixture = (over: Partial<FixtureSpec> = {}) =>
  buildFixture({ window: T, channels: C, latent: K, ...over });
const good = write('good.onnx', fixture());
const sessions: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of sessions) await s.close();
});

function inputs(n: number) {
  const x = Float32Array.from({ length: n * T * C }, (_, i) => Math.sin(i));
  const mask = Float32Array.from({ length: n * T * C }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { x, mask };
}

describe('loadModel', () => {
  it.each(['node', 'wasm'] as const)(
    'loads a hand-built mae/v1 model on %s and runs it',
    async (runtime) => {
      const s = await loadModel(good, { runtime });
      sessions.push(s);
      expect(s.backend).toBe(runtime);
      expect(s.fallbackReason).toBeNull();
      expect(s.model).toMatchObject({
        name: 'good.onnx',
        window: T,
        latentDim: K,
        maskRatio: 0.5,
        band: null,
      });
      expect(s.model.channels).toEqual(['s0', 's1', 's2']);
      expect(s.model.sha256).toMatch(/^[0-9a-f]{64}$/);
      const n = 3;
      const { x, mask } = inputs(n);
      const out = await s.run(x, mask, n);
      expect(Array.from(out.recon)).toEqual(Array.from(x));
      const w = fixtureWeights(T * C, K);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < K; j++) {
          let want = 0;
          for (let i = 0; i < T * C; i++)
            want += x[r * T * C + i]! * mask[r * T * C + i]! * w[i * K + j]!;
          expect(out.latent[r * K + j]).toBeCloseTo(want, 5);
        }
      }
      await expect(s.run(x, mask, n + 1)).rejects.toThrow(/n·T·C/);
    },
  );

  it('close() is safe to call twice, and run() after close fails', async () => {
    const s = await loadModel(good, { runtime: 'node', threads: 2 });
    await s.close();
    await s.close();
    const { x, mask } = inputs(1);
    await expect(s.run(x, mask, 1)).rejects.toThrow(/closed/);
  });

  it.each<[string, Partial<FixtureSpec>, string]>([
    [
      'mask with one channel short',
      { shapes: { mask: ['N', T, C - 1] } },
      `bad.onnx: input "mask" has shape [?, 4, 2], expected [N, 4, 3] (redband.window is 4, redband.channels lists 3)`,
    ],
    [
      'fixed batch',
      { shapes: { x: [1, T, C] } },
      'bad.onnx: input "x" has a fixed batch dimension 1, expected a dynamic N',
    ],
    [
      'latent width vs metadata',
      { props: { 'redband.latent_dim': '5' } },
      'bad.onnx: output "latent" has shape [?, 2], expected [N, 5] (redband.latent_dim is 5)',
    ],
    [
      'window vs metadata',
      { props: { 'redband.window': '8' } },
      'bad.onnx: input "x" has shape [?, 4, 3], expected [N, 8, 3]',
    ],
    [
      'float64 input',
      { elemTypes: { x: 11 } },
      'bad.onnx: input "x" has type float64, expected float32',
    ],
    [
      'renamed output',
      { names: { recon: 'reconstruction' } },
      'bad.onnx: output "recon" is missing',
    ],
    [
      'renamed input',
      { names: { mask: 'm' } },
      'bad.onnx: input "mask" is missing; unexpected input "m"',
    ],
    [
      'no contract marker',
      { props: { 'redband.contract': undefined } },
      'bad.onnx: not a redband mae/v1 model',
    ],
    [
      'channels not JSON',
      { props: { 'redband.channels': 'a,b,c' } },
      'bad.onnx: metadata redband.channels is not a non-empty JSON array',
    ],
    [
      'norm_std length',
      { props: { 'redband.norm_std': '[1,1]' } },
      'bad.onnx: metadata redband.norm_std has 2 values, expected 3',
    ],
    [
      'mask ratio',
      { props: { 'redband.mask_ratio': 'half' } },
      'bad.onnx: metadata redband.mask_ratio is "half"',
    ],
    [
      'band',
      { props: { 'redband.band': '{"measure":"tc"}' } },
      'bad.onnx: metadata redband.band is not a valid band',
    ],
  ])('rejects %s with one clear message', async (_what, spec, message) => {
    const path = write('bad.onnx', fixture(spec));
    const err = await loadModel(path, { runtime: 'node' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it.each([
    ['text.onnx', 'this is a text file, not a model\n'],
    ['random.onnx', Uint8Array.from({ length: 256 }, (_, i) => (i * 131 + 7) % 256)],
    ['empty.onnx', new Uint8Array(0)],
  ])('rejects a non-ONNX file (%s) without a protobuf stack', async (name, bytes) => {
    const err = await loadModel(write(name, bytes), { runtime: 'node' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${name.replace('.', '\\.')}: not an ONNX model`),
    );
  });

  it('names a missing file', async () => {
    await expect(loadModel(join(dir, 'nope.onnx'), { runtime: 'node' })).rejects.toThrow(
      /nope\.onnx: cannot read the model \(no such file\)/,
    );
  });

  it('falls back to WebAssembly when the native binding fails to load, and says why', async () => {
    const logged: string[] = [];
    const s = await loadModel(
      good,
      { runtime: 'node', log: (m) => logged.push(m) },
      {
        ...defaultLoaders,
        node: () =>
          Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file')),
      },
    );
    sessions.push(s);
    expect(s.backend).toBe('wasm');
    expect(s.fallbackReason).toMatch(
      /onnxruntime-node failed to load \(libonnxruntime\.so\.1: cannot open/,
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('good.onnx');
    const { x, mask } = inputs(2);
    expect((await s.run(x, mask, 2)).recon).toHaveLength(2 * T * C);
  });

  it('rejects a bad thread count', async () => {
    await expect(loadModel(good, { runtime: 'node', threads: 0 })).rejects.toThrow(/threads/);
  });
});
