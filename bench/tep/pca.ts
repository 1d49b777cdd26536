// The classical PCA monitoring baselines (Chiang, Russell & Braatz 2001, ch. 4): standardize
// each variable with the training run's mean and standard deviation, keep the first `a`
// principal components of the correlation matrix, and judge each new row by
//   T²  = Σ_{i<a} tᵢ²/λᵢ       (the distance inside the principal subspace)
//   SPE = ‖z − P Pᵀ z‖²        (Q: the residual off the normal correlation structure)
// with their textbook limits (quantiles.ts). Float64 throughout.
import { speLimit, t2Limit, type SpeLimit } from './quantiles.ts';

export interface Eigen {
  /** eigenvalues, largest first */
  values: Float64Array;
  /** k×k, row-major; column j is the eigenvector of values[j] */
  vectors: Float64Array;
}

/** Cyclic Jacobi rotations on a symmetric k×k matrix (row-major): all eigenpairs. */
export function symmetricEigen(matrix: ArrayLike<number>, k: number): Eigen {
  if (matrix.length !== k * k) throw new RangeError(`expected ${k * k} entries`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  let scale = 0;
  for (let i = 0; i < k * k; i++) scale += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p * k + q]! ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q]!;
        if (apq === 0) continue;
        const theta = (a[q * k + q]! - a[p * k + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p]!;
          const arq = a[r * k + q]!;
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r]!;
          const aqr = a[q * k + r]!;
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p]!;
          const vrq = v[r * k + q]!;
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort(
    (x, y) => a[y * k + y]! - a[x * k + x]!,
  );
  const values = Float64Array.from(order, (i) => a[i * k + i]!);
  const vectors = new Float64Array(k * k);
  order.forEach((from, j) => {
    for (let r = 0; r < k; r++) vectors[r * k + j] = v[r * k + from]!;
  });
  return { values, vectors };
}

export interface PcaModel {
  k: number;
  components: number;
  samples: number;
  mean: Float64Array;
  std: Float64Array;
  eigen: Eigen;
  /** share of the total variance the retained components carry */
  explained: number;
  t2Limit: number;
  spe: SpeLimit;
  confidence: number;
}

/**
 * Fits on `rows`. A variable that does not vary (std 0) cannot be standardized and a retained
 * component with no variance cannot be inverted: both are errors naming what is degenerate.
 */
export function fitPca(
  rows: readonly Float64Array[],
  components: number,
  confidence: number,
  names?: readonly string[],
): PcaModel {
  const n = rows.length;
  const k = rows[0]?.length ?? 0;
  if (!(Number.isInteger(components) && components >= 1 && components < k)) {
    throw new RangeError(`PCA: components must be in [1, ${k - 1}], got ${components}`);
  }
  if (n <= components + 1) throw new RangeError(`PCA: ${n} rows for ${components} components`);
  const mean = new Float64Array(k);
  for (const r of rows) for (let j = 0; j < k; j++) mean[j]! += r[j]!;
  for (let j = 0; j < k; j++) mean[j]! /= n;
  const std = new Float64Array(k);
  for (const r of rows) for (let j = 0; j < k; j++) std[j]! += (r[j]! - mean[j]!) ** 2;
  for (let j = 0; j < k; j++) {
    std[j] = Math.sqrt(std[j]! / (n - 1));
    if (!(std[j]! > 0)) {
      throw new RangeError(`PCA: variable ${names?.[j] ?? j + 1} is constant in the training run`);
    }
  }
  const cov = new Float64Array(k * k);
  const z = new Float64Array(k);
  for (const r of rows) {
    for (let j = 0; j < k; j++) z[j] = (r[j]! - mean[j]!) / std[j]!;
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) cov[i * k + j]! += z[i]! * z[j]!;
  }
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      cov[i * k + j]! /= n - 1;
      cov[j * k + i] = cov[i * k + j]!;
    }
  }
  const eigen = symmetricEigen(cov, k);
  const smallest = eigen.values[components - 1]!;
  if (!(smallest > 1e-12 * eigen.values[0]!)) {
    throw new RangeError(
      `PCA: component ${components} has no variance (eigenvalue ${smallest}); retain fewer`,
    );
  }
  const total = eigen.values.reduce((s, x) => s + x, 0);
  const kept = eigen.values.subarray(0, components).reduce((s, x) => s + x, 0);
  return {
    k,
    components,
    samples: n,
    mean,
    std,
    eigen,
    explained: kept / total,
    t2Limit: t2Limit(components, n, confidence),
    spe: speLimit(eigen.values.subarray(components), confidence),
    confidence,
  };
}

/** T² and SPE of one row. */
export function pcaStatistics(m: PcaModel, row: ArrayLike<number>): { t2: number; spe: number } {
  const { k, components, eigen } = m;
  const z = new Float64Array(k);
  let norm2 = 0;
  for (let j = 0; j < k; j++) {
    z[j] = (row[j]! - m.mean[j]!) / m.std[j]!;
    norm2 += z[j]! * z[j]!;
  }
  let t2 = 0;
  let projected = 0;
  for (let c = 0; c < components; c++) {
    let t = 0;
    for (let j = 0; j < k; j++) t += z[j]! * eigen.vectors[j * k + c]!;
    t2 += (t * t) / eigen.values[c]!;
    projected += t * t;
  }
  // ‖z − PPᵀz‖² = ‖z‖² − ‖Pᵀz‖² (P orthonormal); clamped: rounding can make it a hair < 0
  return { t2, spe: Math.max(0, norm2 - projected) };
}
