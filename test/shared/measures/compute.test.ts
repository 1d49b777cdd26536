import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  approximateFDivergence,
  bartlett,
  chiSquared,
  computeMeasures,
  correlationFromCovariance,
  hellinger2,
  quadraticProxy,
  renyi,
  spectralMeasures,
  symmetricEigenvalues,
  tcNullExpectation,
  totalCorrelation,
} from '../../../shared/measures/compute.ts';
import type { RedundancyMeasures } from '../../../shared/measures/types.ts';
import { RunningCovariance } from '../../../shared/covariance/welford.ts';
import { createRng } from '../../../shared/random.ts';
import { equicorrelation, fixedSummary, latentRows } from '../helpers.ts';

function measuresOf(cov: Float64Array, k: number, n = 1000): RedundancyMeasures {
  const outcome = computeMeasures(fixedSummary(cov, k, n));
  if (!outcome.ok) throw new Error(outcome.degenerate.message);
  return outcome.measures;
}

function sampleCovariance(count: number, k: number, seed: number, factors = 2) {
  const s = new RunningCovariance(k);
  s.pushBatch(latentRows(count, k, seed, { factors }), count);
  return s;
}

describe('closed forms against analytic values', () => {
  it.each([0, 0.1, 0.5, 0.9, -0.7, 0.999])(
    'bivariate Gaussian: TC = −½ log(1 − ρ²) at ρ = %f',
    (rho) => {
      const m = measuresOf(Float64Array.from([4, 2 * 3 * rho, 2 * 3 * rho, 9]), 2);
      expect(m.tc).toBeCloseTo(-0.5 * Math.log(1 - rho * rho), 10);
      expect(m.quadratic).toBeCloseTo(rho * rho, 12);
    },
  );

  it('PR = k² / (k + 2Q) and spectral measures stay in range', () => {
    for (const seed of [1, 2, 3]) {
      const m = measuresOf(sampleCovariance(300, 7, seed).covariance(), 7);
      expect(m.pr).toBeCloseTo(49 / (7 + 2 * m.quadratic), 9);
      expect(m.erank).toBeGreaterThanOrEqual(1);
      expect(m.erank).toBeLessThanOrEqual(7);
      expect(m.spectral).toBeGreaterThanOrEqual(0);
      expect(m.spectral).toBeLessThanOrEqual(1);
    }
  });

  it('Rényi-α → TC as α → 1, and renyi(·, 1) is TC', () => {
    // A correlation spectrum: Σ λ = k (the limit α → 1 relies on it).
    const eigs = [1.6, 1.3, 0.7, 0.4];
    const tc = totalCorrelation(eigs)!;
    expect(renyi(eigs, 1)).toBe(tc);
    for (const eps of [1e-3, 1e-5]) {
      expect(Math.abs(renyi(eigs, 1 - eps)! - tc)).toBeLessThan(50 * eps);
      expect(Math.abs(renyi(eigs, 1 + eps)! - tc)).toBeLessThan(50 * eps);
    }
  });

  it('Rényi throws a clear error outside its domain', () => {
    expect(() => renyi([2.5, 0.3, 0.2], 2)).toThrow(/α \+ \(1−α\)λ > 0.*λ_0 = 2.5/);
    expect(() => renyi([1, 1], 0)).toThrow(/α must be finite and > 0/);
  });

  it('Q/2 ≈ TC, Q ≈ χ², Q/8 ≈ H² for small correlations (third-order error)', () => {
    const rho = 0.02;
    const k = 5;
    const m = measuresOf(equicorrelation(k, rho), k);
    const tol = 10 * k * k * rho ** 3;
    expect(Math.abs(approximateFDivergence(m.quadratic, 1) - m.tc!)).toBeLessThan(tol);
    expect(Math.abs(approximateFDivergence(m.quadratic, 2) - m.chi2!)).toBeLessThan(tol);
    expect(Math.abs(approximateFDivergence(m.quadratic, 0.25) - m.hellinger2)).toBeLessThan(tol);
  });

  it('all measures are zero at independence', () => {
    const k = 6;
    const m = measuresOf(equicorrelation(k, 0), k);
    for (const v of [
      m.tc,
      m.renyi['0.5'],
      m.renyi['2'],
      m.hellinger2,
      m.chi2,
      m.quadratic,
      m.spectral,
    ]) {
      expect(Math.abs(v!)).toBeLessThan(1e-14);
    }
    expect(m.erank).toBeCloseTo(k, 12);
    expect(m.pr).toBeCloseTo(k, 12);
    expect(m.bartlett).toEqual({ statistic: 0, dof: 15, p_value: 1 });
    expect(m.notes).toEqual({});
  });
});

describe('invariances (property-based)', () => {
  const cases = fc.record({
    k: fc.integer({ min: 2, max: 8 }),
    seed: fc.integer(),
    scales: fc.array(fc.double({ min: 1e-2, max: 1e2, noNaN: true }), {
      minLength: 8,
      maxLength: 8,
    }),
    order: fc.integer(),
  });
  const scalars = (m: RedundancyMeasures) => [
    m.tc,
    m.tc_bias_corrected,
    m.renyi['0.5'],
    m.renyi['2'],
    m.hellinger2,
    m.chi2,
    m.quadratic,
    m.spectral,
    m.erank,
    m.pr,
    m.bartlett?.statistic ?? null,
  ];

  it('are invariant to permuting and rescaling the coordinates', () => {
    fc.assert(
      fc.property(cases, ({ k, seed, scales, order }) => {
        const cov = sampleCovariance(200, k, seed).covariance();
        const rng = createRng(order);
        const perm = Array.from({ length: k }, (_, i) => i);
        for (let i = k - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        const moved = new Float64Array(k * k);
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            moved[i * k + j] = cov[perm[i]! * k + perm[j]!]! * scales[i]! * scales[j]!;
        const a = scalars(measuresOf(cov, k, 200));
        const b = scalars(measuresOf(moved, k, 200));
        a.forEach((v, i) => {
          if (v === null) expect(b[i]).toBeNull();
          else expect(Math.abs(b[i]! - v)).toBeLessThan(1e-8 * Math.max(1, Math.abs(v)));
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('finite-sample correction', () => {
  it('tc_bias_corrected removes the null bias of the plug-in TC', () => {
    const k = 8;
    const n = 60;
    let plugIn = 0;
    let corrected = 0;
    const replicates = 300;
    const rng = createRng(5);
    for (let rep = 0; rep < replicates; rep++) {
      const s = new RunningCovariance(k);
      for (let r = 0; r < n; r++) s.push(Array.from({ length: k }, () => rng.normal()));
      const m = measuresOf(s.covariance(), k, n);
      plugIn += m.tc! / replicates;
      corrected += m.tc_bias_corrected! / replicates;
    }
    expect(Math.abs(plugIn - tcNullExpectation(n, k)) / tcNullExpectation(n, k)).toBeLessThan(0.1);
    expect(corrected).toBeLessThan(0.25 * plugIn);
  });

  it('Bartlett accepts det R or eigenvalues and matches its formula', () => {
    const eigs = [1.8, 0.9, 0.3];
    const det = eigs.reduce((p, l) => p * l, 1);
    const fromEigs = bartlett(eigs, 50, 3)!;
    expect(bartlett(det, 50, 3)!.statistic).toBeCloseTo(fromEigs.statistic, 12);
    expect(fromEigs.statistic).toBeCloseTo(-(50 - 1 - 11 / 6) * Math.log(det), 12);
    expect(fromEigs.dof).toBe(3);
    expect(fromEigs.p_value).toBeGreaterThan(0);
    expect(bartlett(eigs, 2, 3)).toBeNull();
  });
});

describe('degenerate and boundary cases', () => {
  it('a dead channel is reported with its index', () => {
    const cov = Float64Array.from([1, 0, 0, 0, 1e-14, 0, 0, 0, 2]);
    const outcome = computeMeasures(fixedSummary(cov, 3, 100));
    expect(outcome).toMatchObject({
      ok: false,
      degenerate: { kind: 'dead-channel', channels: [1] },
    });
  });

  it.each([3, 2.5])('n = %f ≤ k gives too-few-samples', (n) => {
    const outcome = computeMeasures(fixedSummary(equicorrelation(3, 0.1), 3, n));
    expect(outcome).toMatchObject({ ok: false, degenerate: { kind: 'too-few-samples', k: 3, n } });
  });

  it('a non-finite covariance gives non-finite', () => {
    const cov = equicorrelation(2, 0.1);
    cov[1] = NaN;
    expect(computeMeasures(fixedSummary(cov, 2, 10))).toMatchObject({
      ok: false,
      degenerate: { kind: 'non-finite' },
    });
  });

  it('some λ ≥ 2: χ² and Rényi-2 are null with notes, never NaN', () => {
    const m = measuresOf(equicorrelation(4, 0.5), 4);
    expect(m.eigenvalues[0]).toBeCloseTo(2.5, 12);
    expect(m.chi2).toBeNull();
    expect(m.notes.chi2).toMatch(/≥ 2/);
    expect(m.renyi['2']).toBeNull();
    expect(m.notes.renyi_2).toMatch(/Rényi-2 is \+∞/);
    expect(m.tc).toBeCloseTo(-0.5 * Math.log(2.5 * 0.5 ** 3), 12);
    expect(chiSquared([2, 0.5, 0.5])).toBeNull();
  });

  it('a singular R gives tc = null with a note, and no NaN anywhere', () => {
    // Column 2 = column 0 + column 1 exactly.
    const cov = Float64Array.from([1, 0.2, 1.2, 0.2, 1, 1.2, 1.2, 1.2, 2.4]);
    const m = measuresOf(cov, 3);
    expect(m.tc).toBeNull();
    expect(m.tc_bias_corrected).toBeNull();
    expect(m.notes.tc).toMatch(/singular/);
    expect(m.bartlett).toBeNull();
    expect(m.eigenvalues[2]).toBe(0);
    expect(JSON.stringify(m)).not.toMatch(/NaN|Infinity/);
  });

  it('exposes the building blocks on plain arrays', () => {
    const r = correlationFromCovariance([4, 2, 2, 9], 2);
    expect(Array.from(r)).toEqual([1, 2 / 6, 2 / 6, 1]);
    expect(quadraticProxy(r, 2)).toBeCloseTo(1 / 9, 14);
    expect(symmetricEigenvalues(r, 2)).toEqual([
      expect.closeTo(4 / 3, 12),
      expect.closeTo(2 / 3, 12),
    ]);
    expect(hellinger2([1, 1])).toBe(0);
    expect(spectralMeasures([2, 0]).spectral).toBeCloseTo(1, 12);
    expect(
      computeMeasures(fixedSummary(equicorrelation(3, 0.2), 3, 100), { renyiAlphas: [3] }),
    ).toMatchObject({
      ok: true,
      measures: { renyi: { '3': expect.any(Number) } },
    });
  });
});
