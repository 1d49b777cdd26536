import { describe, expect, it } from 'vitest';
import { LogLimiter } from '../../shared/log-limiter.ts';

type Case = { calls: [string, number][]; expected: (number | null)[] };

describe('LogLimiter', () => {
  // period 1000 ms: null = not logged now, else how many were held back since the last line
  it.each<Case>([
    { calls: [['a', 0]], expected: [0] },
    {
      calls: [
        ['a', 0],
        ['a', 500],
        ['a', 999],
        ['a', 1000],
      ],
      expected: [0, null, null, 2],
    },
    {
      calls: [
        ['a', 0],
        ['b', 10],
        ['a', 20],
        ['b', 1010],
      ],
      expected: [0, 0, null, 0],
    },
    {
      calls: [
        ['a', 0],
        ['a', 2000],
        ['a', 2500],
        ['a', 4000],
      ],
      expected: [0, 0, null, 1],
    },
  ])('$calls → $expected', ({ calls, expected }) => {
    const limiter = new LogLimiter(1000);
    expect(calls.map(([k, t]) => limiter.take(k, t))).toEqual(expected);
  });
});
