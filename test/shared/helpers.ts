// Shared fixtures for the math tests: seeded correlated data and small matrix helpers.
import { createRng } from '../../shared/random.ts';

/** count×k rows from a latent-factor model x = L z + noise·e, plus an offset per column. */
export function latentRows(
  count: number,
  k: number,
  seed: number,
  { factors = 2, noise = 0.5, offset = 0 } = {},
): Float64Array {
  const rng = createRng(seed);
  const loadings = Array.from({ length: k * factors }, () => rng.normal());
  const rows = new Float64Array(count * k);
  const z = new Float64Array(factors);
  for (let r = 0; r < count; r++) {
    for (let f = 0; f < factors; f++) z[f] = rng.normal();
    for (let j = 0; j < k; j++) {
      let v = offset * (j + 1) + noise * rng.normal();
      for (let f = 0; f < factors; f++) v += loadings[j * factors + f]! * z[f]!;
      rows[r * k + j] = v;
    }
  }
  return rows;
}

/** Two-pass float64 reference covariance (divides by n − 1). */
export function referenceCovariance(rows: ArrayLike<number>, count: number, k: number) {
  const mean = new Float64Array(k);
  for (let r = 0; r < count; r++) for (let j = 0; j < k; j++) mean[j]! += rows[r * k + j]! / count;
  const cov = new Float64Array(k * k);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < k; i++) {
      const di = rows[r * k + i]! - mean[i]!;
      for (let j = 0; j < k; j++)
        cov[i * k + j]! += (di * (rows[r * k + j]! - mean[j]!)) / (count - 1);
    }
  }
  return { mean, cov };
}

/** max |a − b| / max |b|: relative error in the max norm. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Correlation matrix with unit diagonal and a constant off-diagonal ρ. */
export function equicorrelation(k: number, rho: number): Float64Array {
  const r = new Float64Array(k * k).fill(rho);
  for (let i = 0; i < k; i++) r[i * k + i] = 1;
  return r;
}

/** A summary-like object over a fixed covariance, for computeMeasures. */
export function fixedSummary(cov: Float64Array, k: number, n: number) {
  return { k, n, covariance: () => cov.slice() };
}
