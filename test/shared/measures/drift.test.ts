import { describe, expect, it } from 'vitest';
import { gaussianKlDrift } from '../../../shared/measures/drift.ts';
import { RunningCovariance } from '../../../shared/covariance/welford.ts';
import { latentRows } from '../helpers.ts';

function fixed(mean: number[], cov: number[]) {
  const k = mean.length;
  return {
    k,
    n: 100,
    mean: () => Float64Array.from(mean),
    covariance: () => Float64Array.from(cov),
  };
}

describe('gaussianKlDrift', () => {
  it.each([
    // 1-D: KL = ½ [σ_t²/σ_0² + (μ_0 − μ_t)²/σ_0² − 1 + log(σ_0²/σ_t²)]
    { live: fixed([0], [1]), base: fixed([0], [1]), kl: 0 },
    { live: fixed([2], [1]), base: fixed([0], [1]), kl: 2 },
    { live: fixed([0], [4]), base: fixed([0], [1]), kl: 0.5 * (4 - 1 - Math.log(4)) },
    {
      live: fixed([1, 0], [1, 0, 0, 2]),
      base: fixed([0, 0], [2, 0, 0, 1]),
      kl: 0.5 * (0.5 + 2 + 0.5 - 2),
    },
  ])('matches the closed form (expected $kl)', ({ live, base, kl }) => {
    const result = gaussianKlDrift(live, base);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.kl).toBeCloseTo(kl, 12);
  });

  it('moves with a level shift that leaves the correlation unchanged', () => {
    const k = 4;
    const base = new RunningCovariance(k);
    base.pushBatch(latentRows(500, k, 1), 500);
    const live = new RunningCovariance(k);
    live.pushBatch(latentRows(500, k, 1, { offset: 0.5 }), 500);
    const drift = gaussianKlDrift(live, base);
    expect(drift.ok && drift.kl > 0.1).toBe(true);
    const self = gaussianKlDrift(base, base);
    expect(self.ok && self.kl < 1e-12).toBe(true);
  });

  it.each([
    {
      name: 'singular baseline',
      live: fixed([0, 0], [1, 0, 0, 1]),
      base: fixed([0, 0], [1, 1, 1, 1]),
      reason: /baseline.*singular/,
    },
    {
      name: 'singular live',
      live: fixed([0, 0], [1, 1, 1, 1]),
      base: fixed([0, 0], [1, 0, 0, 1]),
      reason: /live.*singular/,
    },
    {
      name: 'different k',
      live: fixed([0], [1]),
      base: fixed([0, 0], [1, 0, 0, 1]),
      reason: /dimensions differ/,
    },
  ])('$name → ok: false with a reason', ({ live, base, reason }) => {
    const result = gaussianKlDrift(live, base);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
