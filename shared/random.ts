// Seeded pseudo-random numbers: one generator for the whole project (training's weight
// initialization, mask sampling and shuffling; the agent's masks; simulation, benchmarks and
// tests). mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, good enough for
// sampling and simulation; not for anything security-related. Normals by Box–Muller.
//
// Two ways to seed it, kept apart because recorded streams depend on them:
// - `new Rng(seed)` mixes the seed first, so nearby seeds (1, 2, 3) start on unrelated streams
//   (training and the mae/v1 masks: a model's masks are reproducible from its seed);
// - `createRng(seed)` takes the seed as the state as is (the simulator, sample data, tests).

/** mulberry32's state after a murmur3-style finalizer of the seed. */
function mixSeed(seed: number): number {
  let s = (seed >>> 0) ^ 0x9e3779b9;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  return (s ^ (s >>> 16)) >>> 0;
}

const RAW = Symbol('raw seed');

export class Rng {
  private state: number;
  // Box–Muller yields normals in pairs; the second waits for the next call.
  private spare: number | null = null;

  constructor(seed: number, raw?: typeof RAW) {
    this.state = raw === RAW ? seed >>> 0 : mixSeed(seed);
  }

  /** A generator whose state is the seed as is (see the file's head). */
  static fromState(state: number): Rng {
    return new Rng(state, RAW);
  }

  /** uniform on [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** standard normal */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    // 1 − u is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** an independent stream, e.g. one for masks and one for shuffling */
  fork(label: number): Rng {
    return new Rng(Math.floor(this.next() * 4294967296) ^ Math.imul(label + 1, 0x27d4eb2d));
  }

  /** Fisher–Yates in place */
  shuffle<T>(a: T[] | Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
  }
}

/** A generator whose state is `seed` as is: the simulator, sample data, tests. */
export function createRng(seed: number): Rng {
  return Rng.fromState(seed);
}
