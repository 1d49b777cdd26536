// Every redundancy measure from one covariance summary: checks that the summary can
// support them (Degeneracy otherwise), forms R, takes its spectrum once, and fills
// RedundancyMeasures with JSON-safe values (null + a note wherever a value is +∞).
import type { MeasuresOutcome, RedundancyMeasures, RenyiPair } from './types.ts';
import {
  bartlett,
  bartlettFactor,
  chiSquared,
  correlationFromCovariance,
  hellinger2,
  quadraticProxy,
  renyi,
  spectralMeasures,
  symmetricEigenvalues,
  tcNullExpectation,
  totalCorrelation,
} from './closed-forms.ts';

export {
  approximateFDivergence,
  bartlett,
  chiSquared,
  correlationFromCovariance,
  hellinger2,
  quadraticProxy,
  renyi,
  spectralMeasures,
  symmetricEigenvalues,
  tcNullExpectation,
  totalCorrelation,
} from './closed-forms.ts';
export type { SpectralMeasures } from './closed-forms.ts';

/** A channel whose variance is below this fraction of the largest carries no signal. */
export const DEAD_CHANNEL_RELATIVE_VARIANCE = 1e-12;
/**
 * Eigenvalues of R below this many ulps of λ_max are round-off around an exact zero
 * (a singular R); the symmetric QL solver's error is a small multiple of k·ε·λ_max.
 */
const SINGULAR_ULPS = 16;

export interface ComputeOptions {
  /** extra Rényi orders (α > 0, α ≠ 1), reported as renyi[String(α)] beside 0.5 and 2 */
  renyiAlphas?: number[];
}

export interface CovarianceInput {
  k: number;
  n: number;
  covariance(): Float64Array;
}

export function computeMeasures(s: CovarianceInput, opts: ComputeOptions = {}): MeasuresOutcome {
  return computeMeasuresFrom(s.k, s.n, s.covariance(), opts);
}

/** R is only read inside computeMeasuresFrom: one buffer serves every call. */
let correlation = new Float64Array(0);

/**
 * computeMeasures of a covariance already formed (k·k row-major, n samples behind it): an
 * agent's snapshot forms the live covariance once for the measures and the drift.
 */
export function computeMeasuresFrom(
  k: number,
  n: number,
  covariance: Float64Array,
  opts: ComputeOptions = {},
): MeasuresOutcome {
  if (!Number.isFinite(n) || covariance.some((v) => !Number.isFinite(v))) {
    return {
      ok: false,
      degenerate: { kind: 'non-finite', message: 'the covariance has non-finite entries' },
    };
  }
  if (n <= k) {
    const message = `too few samples: n = ${formatCount(n)} ≤ k = ${k}; the correlation matrix is singular`;
    return { ok: false, degenerate: { kind: 'too-few-samples', n, k, message } };
  }
  const dead = deadChannels(covariance, k);
  if (dead.length > 0) {
    const message = `dead channel${dead.length > 1 ? 's' : ''} ${dead.join(', ')}: variance is zero (or < ${DEAD_CHANNEL_RELATIVE_VARIANCE} of the largest)`;
    return { ok: false, degenerate: { kind: 'dead-channel', channels: dead, message } };
  }

  if (correlation.length !== k * k) correlation = new Float64Array(k * k);
  const r = correlationFromCovariance(covariance, k, correlation);
  const raw = symmetricEigenvalues(r, k);
  const tolerance = SINGULAR_ULPS * k * Number.EPSILON * Math.max(raw[0] ?? 1, 1);
  const eigenvalues = raw.map((lambda) => (lambda > tolerance ? lambda : 0));
  const singular = eigenvalues.some((lambda) => lambda === 0);
  const notes: Record<string, string> = {};
  const singularNote = 'correlation matrix is singular (some eigenvalue is 0): the value is +∞';

  const tc = totalCorrelation(eigenvalues);
  if (tc === null) notes.tc = singularNote;
  let tcBiasCorrected: number | null = null;
  if (tc === null) notes.tc_bias_corrected = singularNote;
  else tcBiasCorrected = Math.max(0, tc - tcNullExpectation(n, k));

  const renyiValues: RenyiPair & Record<string, number | null> = { '0.5': null, '2': null };
  for (const alpha of [0.5, 2, ...(opts.renyiAlphas ?? [])]) {
    const key = String(alpha);
    const noteKey = `renyi_${key.replace('.', '_')}`;
    if (alpha > 1 && eigenvalues[0]! >= alpha / (alpha - 1)) {
      renyiValues[key] = null;
      notes[noteKey] =
        `λ_max = ${eigenvalues[0]!.toPrecision(6)} ≥ α/(α−1) = ${(alpha / (alpha - 1)).toPrecision(6)}: Rényi-${key} is +∞`;
      continue;
    }
    renyiValues[key] = renyi(eigenvalues, alpha);
    if (renyiValues[key] === null) notes[noteKey] = singularNote;
  }

  const chi2 = chiSquared(eigenvalues);
  if (chi2 === null) {
    notes.chi2 = singular
      ? singularNote
      : `λ_max = ${eigenvalues[0]!.toPrecision(6)} ≥ 2: chi-squared dependence is +∞`;
  }

  const bartlettResult = bartlett(eigenvalues, n, k);
  if (bartlettResult === null) notes.bartlett = bartlettNote(n, k, singular);

  const spectral = spectralMeasures(eigenvalues);
  const measures: RedundancyMeasures = {
    n,
    k,
    tc,
    tc_bias_corrected: tcBiasCorrected,
    renyi: renyiValues,
    hellinger2: hellinger2(eigenvalues),
    chi2,
    quadratic: quadraticProxy(r, k),
    spectral: spectral.spectral,
    erank: spectral.erank,
    pr: spectral.pr,
    bartlett: bartlettResult,
    eigenvalues,
    notes,
  };
  return { ok: true, measures };
}

function deadChannels(covariance: Float64Array, k: number): number[] {
  let largest = 0;
  for (let i = 0; i < k; i++) largest = Math.max(largest, covariance[i * k + i]!);
  const dead: number[] = [];
  for (let i = 0; i < k; i++) {
    const variance = covariance[i * k + i]!;
    if (!(variance > 0) || variance < DEAD_CHANNEL_RELATIVE_VARIANCE * largest) dead.push(i);
  }
  return dead;
}

function bartlettNote(n: number, k: number, singular: boolean): string {
  if (k < 2) return 'k = 1: there are no pairs to test';
  if (singular) return 'correlation matrix is singular: the statistic is +∞ (p = 0)';
  return `n − 1 − (2k + 5)/6 = ${bartlettFactor(n, k).toPrecision(4)} ≤ 0: too few samples`;
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
