// The result types of the redundancy measures. They are also the wire format
// (shared/schema/metrics.ts embeds them), so every field is JSON-safe: a value
// that is +∞ or undefined is `null`, and `notes[field]` says why.

export interface BartlettResult {
  /** −(n − 1 − (2k + 5)/6) · log det R̂ */
  statistic: number;
  /** k(k − 1)/2 */
  dof: number;
  /** upper-tail chi-squared probability of `statistic` under independence */
  p_value: number;
}

export interface RenyiPair {
  '0.5': number | null;
  '2': number | null;
}

export interface RedundancyMeasures {
  /** samples (or effective samples, for a forgetting summary) behind the covariance */
  n: number;
  k: number;
  /** total correlation (KL), nats; null = +∞ (singular correlation) */
  tc: number | null;
  /** TC minus its finite-sample bias under independence, floored at 0; null = +∞ */
  tc_bias_corrected: number | null;
  renyi: RenyiPair;
  hellinger2: number;
  /** null = +∞ (some eigenvalue ≥ 2); notes.chi2 says which */
  chi2: number | null;
  /** Q = Σ_{i<j} ρ_ij² */
  quadratic: number;
  /** 1 − H_s / log k, in [0, 1] */
  spectral: number;
  erank: number;
  pr: number;
  /** null when n is too small for the statistic (notes.bartlett says why) */
  bartlett: BartlettResult | null;
  /** eigenvalues of the correlation matrix, descending */
  eigenvalues: number[];
  /** field name → why that field is null */
  notes: Record<string, string>;
}

/** Names of the scalar measures a band or an alert rule can watch. */
export const SCALAR_MEASURES = [
  'tc',
  'tc_bias_corrected',
  'renyi_0_5',
  'renyi_2',
  'hellinger2',
  'chi2',
  'quadratic',
  'spectral',
  'erank',
  'pr',
] as const;
export type ScalarMeasure = (typeof SCALAR_MEASURES)[number];

/** Why no measures could be computed from a covariance summary. */
export type Degeneracy =
  | { kind: 'dead-channel'; channels: number[]; message: string }
  | { kind: 'too-few-samples'; n: number; k: number; message: string }
  | { kind: 'non-finite'; message: string };

export type MeasuresOutcome =
  { ok: true; measures: RedundancyMeasures } | { ok: false; degenerate: Degeneracy };

/** Reads one scalar measure; null means +∞ or not defined. */
export function scalarMeasure(m: RedundancyMeasures, name: ScalarMeasure): number | null {
  switch (name) {
    case 'renyi_0_5':
      return m.renyi['0.5'];
    case 'renyi_2':
      return m.renyi['2'];
    default:
      return m[name];
  }
}
