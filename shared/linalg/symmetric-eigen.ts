// Eigenvalues (only) of a dense symmetric matrix: Householder reduction to
// tridiagonal form, then the implicit QL iteration with Wilkinson shifts
// (tred2/tql1 from EISPACK, as in Numerical Recipes §11.2–11.3).
// Why not ml-matrix's EigenvalueDecomposition: it always accumulates eigenvectors, work the
// measures never use, and at wide latents that alone exceeds the time budget of a snapshot
// (bench sketch measures both).
// test/shared/linalg checks this routine against ml-matrix.

/**
 * Eigenvalues of the symmetric k×k row-major matrix `a`, sorted descending.
 * Only the lower triangle is read; `a` is not modified.
 */
export function symmetricEigenvalues(a: ArrayLike<number>, k: number): Float64Array {
  if (a.length !== k * k) throw new RangeError(`expected ${k * k} entries, got ${a.length}`);
  const m = workspace(k * k);
  m.set(a);
  const d = new Float64Array(k);
  const e = new Float64Array(k);
  tridiagonalize(m, k, d, e);
  tridiagonalQl(d, e, k);
  return d.sort().reverse();
}

/**
 * The k×k working copy, reused from call to call: a typed array of more than 64 bytes is an
 * external allocation, and at small k allocating it cost more than the whole decomposition.
 * Safe to share: the routine is synchronous and does not re-enter itself.
 */
let work = new Float64Array(0);
function workspace(length: number): Float64Array {
  if (work.length < length) work = new Float64Array(length);
  return work.length === length ? work : work.subarray(0, length);
}

/** Householder reduction of m (overwritten) to diagonal d and subdiagonal e (e[0] = 0). */
function tridiagonalize(m: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const rowI = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let q = 0; q <= l; q++) scale += Math.abs(m[rowI + q]!);
      if (scale === 0) {
        e[i] = m[rowI + l]!;
      } else {
        for (let q = 0; q <= l; q++) {
          m[rowI + q]! /= scale;
          h += m[rowI + q]! * m[rowI + q]!;
        }
        const f = m[rowI + l]!;
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        m[rowI + l] = f - g;
        let ff = 0;
        for (let j = 0; j <= l; j++) {
          const rowJ = j * n;
          let gg = 0;
          for (let q = 0; q <= j; q++) gg += m[rowJ + q]! * m[rowI + q]!;
          for (let q = j + 1; q <= l; q++) gg += m[q * n + j]! * m[rowI + q]!;
          e[j] = gg / h;
          ff += e[j]! * m[rowI + j]!;
        }
        const hh = ff / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = m[rowI + j]!;
          const gj = e[j]! - hh * fj;
          e[j] = gj;
          const rowJ = j * n;
          for (let q = 0; q <= j; q++) m[rowJ + q]! -= fj * e[q]! + gj * m[rowI + q]!;
        }
      }
    } else {
      e[i] = m[rowI + l]!;
    }
    d[i] = h;
  }
  e[0] = 0;
  for (let i = 0; i < n; i++) d[i] = m[i * n + i]!;
}

/**
 * Math.hypot(a, b), bit for bit: V8's algorithm (abs, scale by the larger, Kahan-compensated
 * sum of squares, sqrt, rescale) for two finite arguments, without the variadic builtin's
 * call overhead, which was most of the QL iteration's time at small k. Non-finite arguments
 * go to Math.hypot itself. test/shared/linalg checks the equality on random and edge inputs.
 */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (!(x < Number.POSITIVE_INFINITY && y < Number.POSITIVE_INFINITY)) return Math.hypot(a, b);
  const max = x > y ? x : y;
  if (max === 0) return 0;
  // With two terms the Kahan compensation after the first is exactly 0: a plain sum.
  const nx = x / max;
  const ny = y / max;
  return Math.sqrt(nx * nx + ny * ny) * max;
}

/** Implicit QL on the tridiagonal (d, e); eigenvalues are left in d. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  const maxIterations = 60;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iterations++ === maxIterations) {
          throw new Error('symmetricEigenvalues: QL iteration did not converge');
        }
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = hypot2(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i]!;
          const b = c * e[i]!;
          r = hypot2(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          f = 0;
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}
