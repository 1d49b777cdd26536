// The common read interface of every streaming covariance summary, and the JSON
// snapshot that persists an exact (Welford) summary, e.g. an agent's baseline.

export interface CovarianceSummary {
  readonly k: number;
  /** effective sample count */
  readonly n: number;
  mean(): Float64Array;
  /** k*k row-major, divides by n-1 (unbiased) unless stated */
  covariance(): Float64Array;
}

/** JSON-safe state of a RunningCovariance: the scatter matrix M = Σ (x − μ)(x − μ)ᵀ. */
export interface CovarianceSnapshot {
  k: number;
  n: number;
  mean: number[];
  /** k*k row-major */
  scatter: number[];
}

/** Scatter / (n − 1), or all zeros while n < 2 (no spread is observable yet). */
export function unbiasedCovariance(scatter: Float64Array, n: number): Float64Array {
  const out = new Float64Array(scatter.length);
  if (n < 2) return out;
  const scale = 1 / (n - 1);
  for (let i = 0; i < scatter.length; i++) out[i] = scatter[i]! * scale;
  return out;
}
