import { describe, expect, it } from 'vitest';
import {
  DriftBaseline,
  gaussianKlDrift,
  gaussianKlDriftFrom,
} from '../../../shared/measures/drift.ts';
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

describe('gaussianKlDriftFrom (a prepared baseline)', () => {
  it('gives exactly gaussianKlDrift, also for every failure reason', () => {
    const rows = latentRows(300, 4, 3);
    const base = new RunningCovariance(4);
    const live = new RunningCovariance(4);
    for (let i = 0; i < 150; i++) base.push(rows.subarray(i * 4, i * 4 + 4));
    for (let i = 150; i < 300; i++) live.push(rows.subarray(i * 4, i * 4 + 4));
    const ref = new DriftBaseline(base);
    const direct = gaussianKlDrift(live, base);
    expect(direct.ok).toBe(true);
    expect(gaussianKlDriftFrom(live, live.covariance(), ref)).toEqual(direct);
    // failures: too few samples, a singular baseline, a singular live covariance, non-finite
    const cases = [
      { live: fixed([0, 0], [1, 0, 0, 1]), base: { ...fixed([0, 0], [1, 0, 0, 1]), n: 1 } },
      { live: fixed([0, 0], [1, 0, 0, 1]), base: fixed([0, 0], [1, 1, 1, 1]) },
      { live: fixed([0, 0], [1, 1, 1, 1]), base: fixed([0, 0], [1, 0, 0, 1]) },
      { live: fixed([0, 0], [1, 0, 0, NaN]), base: fixed([0, 0], [1, 0, 0, 1]) },
      { live: fixed([0, 0], [1, 0, 0, 1]), base: fixed([0, 0], [1, 0, 0, Infinity]) },
    ];
    for (const c of cases) {
      const expected = gaussianKlDrift(c.live, c.base);
      expect(expected.ok).toBe(false);
      expect(gaussianKlDriftFrom(c.live, c.live.covariance(), new DriftBaseline(c.base))).toEqual(
        expected,
      );
    }
  });

  it('is a copy: the baseline summary may go on without changing it', () => {
    const rows = latentRows(200, 3, 5);
    const base = new RunningCovariance(3);
    for (let i = 0; i < 100; i++) base.push(rows.subarray(i * 3, i * 3 + 3));
    const ref = new DriftBaseline(base);
    const frozen = base.clone();
    for (let i = 100; i < 200; i++) base.push(rows.subarray(i * 3, i * 3 + 3));
    expect(gaussianKlDriftFrom(base, base.covariance(), ref)).toEqual(
      gaussianKlDrift(base, frozen),
    );
  });
});
