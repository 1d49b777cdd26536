// Student's t against published table values, the incomplete beta against its closed forms,
// and the quantile as the inverse of the tail; bad arguments are errors that say which.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regularizedBeta } from '../../../shared/stats/beta.ts';
import { studentTQuantile, studentTTwoSided } from '../../../shared/stats/student-t.ts';

describe('regularizedBeta', () => {
  it.each([
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b; I_½(a, a) = ½
    { a: 1, b: 1, x: 0.3, want: 0.3 },
    { a: 3, b: 1, x: 0.7, want: 0.7 ** 3 },
    { a: 1, b: 4, x: 0.2, want: 1 - 0.8 ** 4 },
    { a: 7.5, b: 7.5, x: 0.5, want: 0.5 },
    { a: 2, b: 3, x: 0, want: 0 },
    { a: 2, b: 3, x: 1, want: 1 },
  ])('I_$x($a, $b) = $want', ({ a, b, x, want }) => {
    expect(regularizedBeta(a, b, x)).toBeCloseTo(want, 13);
  });

  it.each([
    { a: 0, b: 1, x: 0.5, msg: /beta shapes must be > 0, got a=0/ },
    { a: 1, b: 1, x: 1.5, msg: /beta x must be in \[0, 1\], got 1.5/ },
    { a: 1, b: 1, x: NaN, msg: /beta x must be in \[0, 1\], got NaN/ },
  ])('rejects a=$a b=$b x=$x', ({ a, b, x, msg }) => {
    expect(() => regularizedBeta(a, b, x)).toThrow(msg);
  });
});

describe('Student t', () => {
  // two-sided critical values, as printed in any t table
  it.each([
    { level: 0.95, df: 1, t: 12.7062 },
    { level: 0.95, df: 2, t: 4.3027 },
    { level: 0.95, df: 4, t: 2.7764 },
    { level: 0.95, df: 14, t: 2.1448 },
    { level: 0.99, df: 14, t: 2.9768 },
    { level: 0.9, df: 30, t: 1.6973 },
    { level: 0.999, df: 3, t: 12.924 },
    { level: 0.95, df: 1e9, t: 1.96 },
  ])('quantile at $level, ν = $df is $t', ({ level, df, t }) => {
    expect(studentTQuantile(level, df)).toBeCloseTo(t, 3);
  });

  it('is the inverse of the two-sided tail, fractional ν included', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        fc.double({ min: 0.3, max: 500, noNaN: true }),
        (level, df) => {
          expect(studentTTwoSided(studentTQuantile(level, df), df)).toBeCloseTo(1 - level, 9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('has the tails of its ends: 1 at 0, 0 at ±∞', () => {
    expect(studentTTwoSided(0, 5)).toBe(1);
    expect(studentTTwoSided(Infinity, 5)).toBe(0);
    expect(studentTTwoSided(-Infinity, 5)).toBe(0);
  });

  it.each([
    { f: () => studentTQuantile(1, 5), msg: /confidence level must be in \(0, 1\), got 1/ },
    { f: () => studentTQuantile(0.95, 0), msg: /degrees of freedom must be finite and > 0, got 0/ },
    {
      f: () => studentTTwoSided(1, NaN),
      msg: /degrees of freedom must be finite and > 0, got NaN/,
    },
    { f: () => studentTTwoSided(NaN, 3), msg: /the statistic is NaN/ },
  ])('rejects bad arguments: $msg', ({ f, msg }) => {
    expect(f).toThrow(msg);
  });
});
