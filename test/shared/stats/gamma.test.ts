import { describe, expect, it } from 'vitest';
import {
  chiSquaredSurvival,
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../../shared/stats/gamma.ts';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, 0.5 * Math.log(Math.PI)],
    [10.5, Math.log(1133278.388948786)],
    [0.1, Math.log(9.513507698668732)],
  ])('logGamma(%f)', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });
});

describe('chi-squared upper tail', () => {
  // Reference values: R's pchisq(x, df, lower.tail = FALSE).
  it.each([
    [3.841458820694124, 1, 0.05],
    [6.634896601021214, 1, 0.01],
    [18.307038053275146, 10, 0.05],
    [124.34211340400407, 100, 0.05],
    [2, 2, Math.exp(-1)],
    [0, 5, 1],
    // dof 3: Q(3/2, x/2) = erfc(√(x/2)) + √(2x/π) e^{−x/2}, with erfc(10) = 2.0884875837625447e-45
    [200, 3, 4.2185411071920426e-43],
    [200, 2, Math.exp(-100)],
  ])('Pr[χ²(%f; dof %i)] = %f', (x, dof, expected) => {
    const p = chiSquaredSurvival(x, dof);
    expect(Math.abs(p - expected) / expected).toBeLessThan(expected < 1e-10 ? 1e-3 : 1e-9);
  });

  it('P + Q = 1 across both evaluation branches', () => {
    for (const a of [0.5, 1, 3.5, 20, 200]) {
      for (const x of [0.01, a / 2, a + 0.9, a + 1.1, 3 * a]) {
        expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 12);
      }
    }
  });

  it('rejects invalid arguments', () => {
    expect(() => regularizedGammaP(0, 1)).toThrow(/shape/);
    expect(() => regularizedGammaQ(1, -1)).toThrow(/x must/);
    expect(() => chiSquaredSurvival(1, 0)).toThrow(/degrees of freedom/);
  });
});
