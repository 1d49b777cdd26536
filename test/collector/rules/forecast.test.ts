// The forecast's median by selection against the plain definition (sort, take the middle),
// on fixed edge cases and on random inputs with many ties; and Theil–Sen on exact lines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, theilSenSlopePerHour } from '../../../collector/rules/forecast.ts';

function sortedMedian(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

describe('forecast median (quickselect)', () => {
  it.each([
    { xs: [5], want: 5 },
    { xs: [2, 1], want: 1.5 },
    { xs: [3, 1, 2], want: 2 },
    { xs: [1, 2, 3, 4, 5, 6], want: 3.5 },
    { xs: [6, 5, 4, 3, 2, 1], want: 3.5 },
    { xs: [7, 7, 7, 7], want: 7 },
    { xs: [-1, 0, 0, 0, 9], want: 0 },
    { xs: [1e-300, -1e300, 1e300, 0], want: 5e-301 },
  ])('$xs → $want', ({ xs, want }) => {
    expect(median(Float64Array.from(xs), xs.length)).toBe(want);
  });

  it('uses only the first n values', () => {
    expect(median(Float64Array.from([3, 1, 2, 100, 100]), 3)).toBe(2);
  });

  it('equals the sorted median on random inputs, ties included', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }), // many ties
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (xs) => {
        expect(median(Float64Array.from(xs), xs.length)).toBe(sortedMedian(xs));
      }),
      { numRuns: 500 },
    );
  });
});

describe('Theil–Sen slope', () => {
  it('is the exact slope of a line, per hour, and ignores one outlier', () => {
    const line = Array.from({ length: 16 }, (_, i) => ({ t: i * 60_000, v: 2 + 0.5 * i }));
    expect(theilSenSlopePerHour(line)).toBeCloseTo(30, 9); // 0.5 per minute
    line[7] = { t: line[7]!.t, v: 1e6 };
    expect(theilSenSlopePerHour(line)).toBeCloseTo(30, 9);
  });

  it('is null when every point has the same time', () => {
    expect(
      theilSenSlopePerHour([
        { t: 5, v: 1 },
        { t: 5, v: 2 },
      ]),
    ).toBeNull();
  });
});
