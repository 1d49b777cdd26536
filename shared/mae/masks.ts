// Mask sampling of the mae/v1 contract (shared/mae/contract.ts): which cells of a window the
// model is asked to reconstruct. Training and the agent sample masks the same way, from the
// same seeded generator, so a model's held-out error and the agent's live error compare.
import type { Rng } from '../random.ts';

/** How many of a window's T·C cells a ratio hides: at least one, and at least one stays visible. */
export function hiddenCount(ratio: number, cells: number): number {
  return Math.min(cells - 1, Math.max(1, Math.round(ratio * cells)));
}

/** Masks for n windows, exactly hiddenCount(ratio) cells hidden (1) in each. */
export function sampleMasks(rng: Rng, n: number, cells: number, ratio: number): Float32Array {
  const mask = new Float32Array(n * cells);
  const k = hiddenCount(ratio, cells);
  const idx = new Int32Array(cells);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cells; j++) idx[j] = j;
    // partial Fisher–Yates: the first k positions are a uniform k-subset
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(cells - j);
      const tmp = idx[j]!;
      idx[j] = idx[r]!;
      idx[r] = tmp;
      mask[i * cells + idx[j]!] = 1;
    }
  }
  return mask;
}
