// The .wasm file handed to onnxruntime-web: read as one buffer that is detached once compiled
// (agent/inference/wasm-binary.ts), so the agent does not hold two copies of it. Real
// onnxruntime-web. (The whole agent under the unit's MemoryMax: test/bench/wasm-memory.test.ts.)
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../../agent/inference/load.ts';
import * as wasmBinary from '../../../agent/inference/wasm-binary.ts';
import { REPO } from '../harness.ts';

vi.mock('../../../agent/inference/wasm-binary.ts', async (original) => {
  const real = await original<typeof import('../../../agent/inference/wasm-binary.ts')>();
  return { ...real, releaseWasmBinary: vi.fn(real.releaseWasmBinary) };
});

const DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
const MODEL = join(REPO, 'models', 'sim-vibration.onnx');

describe('the .wasm file handed to onnxruntime-web', () => {
  it('is read whole into an ArrayBuffer of its own, and released by detaching it', () => {
    const bin = wasmBinary.readWasmBinary(DIST)!;
    expect(bin).toBeInstanceOf(ArrayBuffer);
    expect(bin.byteLength).toBe(statSync(join(DIST, wasmBinary.WASM_FILE)).size);
    wasmBinary.releaseWasmBinary(bin);
    expect(bin.byteLength).toBe(0);
    expect(wasmBinary.readWasmBinary(join(DIST, 'nowhere'))).toBeUndefined();
  });

  it('is released once the first session is compiled, and later sessions still run', async () => {
    const release = vi.mocked(wasmBinary.releaseWasmBinary);
    release.mockClear();
    const first = await loadModel(MODEL, { runtime: 'wasm' });
    expect(release).toHaveBeenCalledTimes(1);
    const handed = release.mock.calls[0]![0];
    expect(handed.byteLength).toBe(0); // detached: nobody holds its memory any more
    const second = await loadModel(MODEL, { runtime: 'wasm' });
    expect(release).toHaveBeenCalledTimes(1); // the module is compiled once per process
    const { window: t, channels } = first.model;
    const n = 2;
    const x = Float32Array.from({ length: n * t * channels.length }, (_, i) => Math.sin(i));
    const mask = new Float32Array(x.length);
    const a = await first.run(x, mask, n);
    const b = await second.run(x, mask, n);
    expect(Array.from(b.latent)).toEqual(Array.from(a.latent));
    await first.close();
    await second.close();
  });
});
