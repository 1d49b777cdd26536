import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/random.ts';

describe('createRng', () => {
  it('is deterministic from the seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws uniforms in [0, 1), integers in range, and standard normals', () => {
    const rng = createRng(7);
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      const m = rng.int(6);
      if (!(u >= 0 && u < 1) || !(Number.isInteger(m) && m >= 0 && m < 6)) outOfRange++;
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.04);
  });

  it('rejects a non-positive range for int', () => {
    expect(() => createRng(1).int(0)).toThrow(/positive integer/);
  });
});
