// A small seeded PRNG so training is reproducible byte for byte from --seed: weight
// initialization, mask sampling and batch shuffling all draw from streams derived here.

/** mulberry32: 32-bit state, fast, good enough for initialization and sampling. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    // Mix the seed so nearby seeds (1, 2, 3) do not start on correlated streams.
    let s = (seed >>> 0) ^ 0x9e3779b9;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
    this.state = (s ^ (s >>> 16)) >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
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
