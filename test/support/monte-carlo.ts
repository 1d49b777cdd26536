// Monte Carlo estimate of D_f(P || Π) = E_Π[ f(p/π) ] for the Gaussian model
// P = N(0, R), Π = N(0, I), for any convex f with f(1) = 0 (docs/measures.md). Π is rotation
// invariant, so the integral is taken in R's eigenbasis, where P = N(0, diag λ) and
// log(p/π)(z) = −½ Σ [ log λ_i + z_i² (1/λ_i − 1) ]. The tests' oracle for the closed forms
// (shared/measures/closed-forms.ts): an estimate of the defining integral, not the formulas.
import { createRng } from '../../shared/random.ts';
import { symmetricEigenvalues } from '../../shared/linalg/symmetric-eigen.ts';

export interface MonteCarloOptions {
  samples: number;
  seed: number;
}

export interface MonteCarloEstimate {
  estimate: number;
  /** standard error of the mean of the f(p/π) draws */
  stderr: number;
}

/** `model` is the eigenvalues of R, or R itself as { correlation, k }. */
export function fDivergenceMonteCarlo(
  model: ArrayLike<number> | { correlation: ArrayLike<number>; k: number },
  f: (t: number) => number,
  opts: MonteCarloOptions,
): MonteCarloEstimate {
  const eigs = 'correlation' in model ? symmetricEigenvalues(model.correlation, model.k) : model;
  const k = eigs.length;
  if (!Number.isInteger(opts.samples) || opts.samples < 2) {
    throw new RangeError(`samples must be an integer ≥ 2, got ${opts.samples}`);
  }
  const precisionGap = new Float64Array(k);
  let logDet = 0;
  for (let i = 0; i < k; i++) {
    const lambda = eigs[i]!;
    if (!(lambda > 0)) throw new RangeError(`eigenvalue ${i} is ${lambda}: P has no density`);
    precisionGap[i] = 1 / lambda - 1;
    logDet += Math.log(lambda);
  }
  const rng = createRng(opts.seed);
  // Welford mean/variance of the draws, stable for long runs.
  let mean = 0;
  let m2 = 0;
  for (let s = 1; s <= opts.samples; s++) {
    let quadratic = 0;
    for (let i = 0; i < k; i++) {
      const z = rng.normal();
      quadratic += z * z * precisionGap[i]!;
    }
    const value = f(Math.exp(-0.5 * (logDet + quadratic)));
    const d = value - mean;
    mean += d / s;
    m2 += d * (value - mean);
  }
  return { estimate: mean, stderr: Math.sqrt(m2 / (opts.samples - 1) / opts.samples) };
}
