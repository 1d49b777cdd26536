import { describe, expect, it } from 'vitest';
import { BufferPool, float32Pool } from '../../../agent/pipeline/buffers.ts';
import { createNormalizeStage } from '../../../agent/pipeline/operators/normalize.ts';
import { createWindowStage } from '../../../agent/pipeline/operators/window.ts';
import type { ModelWindow, RawWindow } from '../../../agent/pipeline/types.ts';

describe('buffer pools', () => {
  it('hands back what was given, allocates when empty, ignores other lengths and overflow', () => {
    const pool = float32Pool(4, 1);
    const a = pool.take();
    expect(a).toHaveLength(4);
    pool.give(a);
    pool.give(new Float32Array(4)); // over max: dropped
    pool.give(new Float32Array(3)); // wrong length: ignored
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
  });

  it('window → normalize recycles raw buffers without changing the values', () => {
    const raw = new BufferPool((n) => new Float64Array(n), 4);
    const inputs = float32Pool(4);
    const win = createWindowStage({ size: 2, hop: 1, channels: 2, pool: raw });
    const norm = createNormalizeStage({ mean: [1, 2], std: [1, 2], rawPool: raw, pool: inputs });
    const out: ModelWindow[] = [];
    const seen: Float64Array[] = [];
    for (let t = 0; t < 4; t++) {
      win.push({ t, values: Float64Array.of(t, 2 * t) }, (w: RawWindow) => {
        seen.push(w.values);
        norm.push(w, (m) => out.push(m));
      });
    }
    expect(out.map((m) => Array.from(m.x))).toEqual([
      [-1, -1, 0, 0],
      [0, 0, 1, 1],
      [1, 1, 2, 2],
    ]);
    // the raw buffer is given back after each window and taken again for the next
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });
});
