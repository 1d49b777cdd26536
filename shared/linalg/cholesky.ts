// Cholesky factorization of symmetric positive-definite matrices (row-major Float64Array),
// for log-determinants and linear solves without forming an inverse.

export interface CholeskyFactor {
  readonly k: number;
  /** lower-triangular L with A = L Lᵀ, row-major k×k */
  readonly lower: Float64Array;
}

/**
 * Factors A = L Lᵀ. Returns null when A is not numerically positive definite
 * (a pivot ≤ `relativeTolerance` × the largest diagonal entry).
 */
export function cholesky(
  a: ArrayLike<number>,
  k: number,
  relativeTolerance = 1e-14,
): CholeskyFactor | null {
  if (a.length !== k * k) throw new RangeError(`expected ${k * k} entries, got ${a.length}`);
  let maxDiagonal = 0;
  for (let i = 0; i < k; i++) maxDiagonal = Math.max(maxDiagonal, a[i * k + i]!);
  const floor = relativeTolerance * maxDiagonal;
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let pivot = a[j * k + j]!;
    for (let q = 0; q < j; q++) pivot -= l[j * k + q]! * l[j * k + q]!;
    if (!(pivot > floor)) return null;
    const ljj = Math.sqrt(pivot);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let q = 0; q < j; q++) s -= l[i * k + q]! * l[j * k + q]!;
      l[i * k + j] = s / ljj;
    }
  }
  return { k, lower: l };
}

/** log det A = 2 Σ log L_ii. */
export function choleskyLogDet(f: CholeskyFactor): number {
  let s = 0;
  for (let i = 0; i < f.k; i++) s += Math.log(f.lower[i * f.k + i]!);
  return 2 * s;
}

/** Solves A x = b by forward then backward substitution. */
export function choleskySolve(f: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const { k } = f;
  if (b.length !== k) throw new RangeError(`expected ${k} entries, got ${b.length}`);
  const x = new Float64Array(k);
  solveInto(f, b, new Float64Array(k), x);
  return x;
}

/** Forward then backward substitution into caller-owned y (scratch) and x (the solution). */
function solveInto(
  f: CholeskyFactor,
  b: ArrayLike<number>,
  y: Float64Array,
  x: Float64Array,
): void {
  const { k, lower: l } = f;
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let q = 0; q < i; q++) s -= l[i * k + q]! * y[q]!;
    y[i] = s / l[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let q = i + 1; q < k; q++) s -= l[q * k + i]! * x[q]!;
    x[i] = s / l[i * k + i]!;
  }
}

/**
 * tr(A⁻¹ B) for symmetric B, solving A X = B column by column. The k solves share three
 * scratch vectors: allocating two per column was most of a drift evaluation's time.
 */
export function choleskyTraceSolve(f: CholeskyFactor, b: ArrayLike<number>): number {
  const { k } = f;
  const column = new Float64Array(3 * k);
  const c = column.subarray(0, k);
  const y = column.subarray(k, 2 * k);
  const x = column.subarray(2 * k);
  let trace = 0;
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < k; i++) c[i] = b[i * k + j]!;
    solveInto(f, c, y, x);
    trace += x[j]!;
  }
  return trace;
}
