import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../shared/token-bucket.ts';

describe('TokenBucket', () => {
  // rate 10/s, burst 2: two at once, then one per 100 ms
  it.each([
    [
      [0, 0, 0],
      [0, 0, 100],
    ],
    [
      [0, 0, 0, 100],
      [0, 0, 100, 0],
    ],
    [
      [0, 0, 50],
      [0, 0, 50],
    ],
    [
      [0, 0, 1000, 1000, 1000],
      [0, 0, 0, 0, 100],
    ],
  ])('takes at %j → %j (0 = taken, else ms until a token)', (times, waits) => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(times.map((t) => bucket.take(t))).toEqual(waits);
  });

  it.each([
    [0, 1],
    [1, 0],
    [Number.NaN, 2],
  ])('refuses rate %d, burst %d', (rate, burst) => {
    expect(() => new TokenBucket(rate, burst, 0)).toThrow(/rate > 0 and burst ≥ 1/);
  });
});
