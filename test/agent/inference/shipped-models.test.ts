// The models under models/ are shipped to devices: they must keep loading, carry a band,
// and stay small. (They are re-created by scripts/make-models.ts; see models/README.md.)
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../agent/inference/load.ts';
import { SIM_DEFAULTS } from '../../../shared/sim/index.ts';
import { SKAB_CHANNELS } from '../../support/skab-like.ts';

const shipped = [
  {
    file: 'models/skab-pump.onnx',
    channels: [...SKAB_CHANNELS],
  },
  {
    file: 'models/sim-vibration.onnx',
    channels: Array.from({ length: SIM_DEFAULTS.channels }, (_, i) => `ch${i}`),
  },
];

describe.each(shipped)('$file', ({ file, channels }) => {
  it('loads, has a band, and runs', async () => {
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    const s = await loadModel(file, { runtime: 'node' });
    try {
      expect(s.model.channels).toEqual(channels);
      expect(s.model.band).not.toBeNull();
      const { low, center, high } = s.model.band!;
      expect(low).toBeLessThan(center);
      expect(center).toBeLessThan(high);
      const n = 2;
      const size = n * s.model.window * channels.length;
      const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i / 3));
      const mask = Float32Array.from({ length: size }, (_, i) => i % 2);
      const out = await s.run(x, mask, n);
      expect(out.latent).toHaveLength(n * s.model.latentDim);
      expect(out.recon.every(Number.isFinite)).toBe(true);
    } finally {
      await s.close();
    }
  });
});
