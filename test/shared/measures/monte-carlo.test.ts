import { describe, expect, it } from 'vitest';
import { fDivergenceMonteCarlo } from '../../support/monte-carlo.ts';
import {
  chiSquared,
  hellinger2,
  renyi,
  totalCorrelation,
} from '../../../shared/measures/compute.ts';
import { equicorrelation } from '../helpers.ts';

// Eigenvalues below 4/3 keep the variance of every integrand finite, so stderr is meaningful.
const EIGS = [1.25, 0.95, 0.8];
const OPTS = { samples: 200_000, seed: 12345 };

describe('closed forms against Monte Carlo of the defining integral', () => {
  it.each([
    ['TC (t log t)', (t: number) => (t > 0 ? t * Math.log(t) : 0), totalCorrelation(EIGS)!],
    ['H² (1 − √t)', (t: number) => 1 - Math.sqrt(t), hellinger2(EIGS)],
    ['χ² ((t − 1)²)', (t: number) => (t - 1) ** 2, chiSquared(EIGS)!],
    // Rényi-2 from χ²: D_2 = log(1 + χ²).
    ['Rényi-2 via 1 + χ²', (t: number) => t * t, Math.exp(renyi(EIGS, 2)!)],
  ])('%s', (_name, f, closedForm) => {
    const { estimate, stderr } = fDivergenceMonteCarlo(EIGS, f, OPTS);
    expect(stderr).toBeGreaterThan(0);
    expect(Math.abs(estimate - closedForm)).toBeLessThan(4 * stderr);
  });

  it('accepts R itself, is seeded, and rejects a singular model', () => {
    const r = equicorrelation(3, 0.2);
    const f = (t: number) => (t - 1) ** 2;
    const a = fDivergenceMonteCarlo({ correlation: r, k: 3 }, f, { samples: 5000, seed: 1 });
    const b = fDivergenceMonteCarlo({ correlation: r, k: 3 }, f, { samples: 5000, seed: 1 });
    expect(a).toEqual(b);
    expect(() => fDivergenceMonteCarlo([2, 0], f, OPTS)).toThrow(/no density/);
  });
});
