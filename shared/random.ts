// Seeded pseudo-random numbers for tests, benchmarks, Monte Carlo and sample data.
// mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, and good enough for
// simulation; not for anything security-related. Normals by Box–Muller.

export interface Rng {
  /** uniform on [0, 1) */
  next(): number;
  /** standard normal */
  normal(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  // Box–Muller yields normals in pairs; keep the second for the next call.
  let spare: number | null = null;

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const normal = (): number => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    // 1 − u is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(next() * n);
  };

  return { next, normal, int };
}
