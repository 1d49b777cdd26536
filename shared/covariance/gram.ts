// Batched covariance updates reduce to one Gram product YᵀY of a centered batch Y
// (count×k). That product is the only O(count·k²) step, so it is pluggable: the pure
// JavaScript blocked kernel below is the default; bench/gram-ort.ts measures
// a native SIMD one through onnxruntime against it. Centering stays here, in float64.

/** Computes YᵀY (full symmetric k×k, row-major) of a row-major count×k matrix Y. */
export interface GramKernel {
  readonly name: string;
  gram(y: Float64Array, count: number, k: number): Float64Array;
}

/** The same product computed off the JavaScript thread (e.g. native code). */
export interface AsyncGramKernel {
  readonly name: string;
  gramAsync(y: Float64Array, count: number, k: number): Promise<Float64Array>;
}

/**
 * Raw moments of a batch about a shift vector s (any vector near the data, e.g. the
 * running mean): G = Σ (x − s)(x − s)ᵀ (full symmetric k×k, row-major) and c = Σ (x − s).
 * Shifting keeps the cancellation in G − c cᵀ / n harmless, so one product gives the
 * exact batch scatter without a separate centering pass.
 */
export interface ShiftedMoments {
  gram: Float64Array;
  sums: Float64Array;
}

/**
 * Computes ShiftedMoments of a row-major count×k batch in one call (native code does
 * the shift, the product and the sums). `consume` runs synchronously right after the
 * computation, before any other batch of the same kernel runs: the views it receives
 * are valid only during that call. `rows` and `shift` must not change until the
 * promise settles (they are passed to the kernel without copying).
 */
export interface ShiftedMomentsKernel {
  readonly name: string;
  shiftedMomentsAsync<T>(
    rows: Float64Array,
    count: number,
    k: number,
    shift: Float64Array,
    consume: (moments: ShiftedMoments) => T,
  ): Promise<T>;
}

/** Exact moments of one batch: Σw, weighted mean, and scatter Σ w (x − μ)(x − μ)ᵀ. */
export interface BatchMoments {
  weight: number;
  mean: Float64Array;
  scatter: Float64Array;
}

/** A centered batch, ready for a Gram kernel: row r is √w_r (x_r − μ). */
export interface CenteredBatch {
  weight: number;
  mean: Float64Array;
  centered: Float64Array;
}

/**
 * Two-pass centering (mean first, then deviations), so the Gram product never sees
 * the large offsets that make the one-pass Σx xᵀ − n μ μᵀ formula lose digits.
 * `weights` (optional, one per row) give a weighted batch, as exponential forgetting needs.
 */
export function centerBatch(
  rows: ArrayLike<number>,
  count: number,
  k: number,
  weights?: ArrayLike<number>,
  scratch?: Float64Array,
): CenteredBatch {
  const mean = new Float64Array(k);
  let weight = 0;
  for (let r = 0; r < count; r++) {
    const w = weights ? weights[r]! : 1;
    weight += w;
    const off = r * k;
    for (let j = 0; j < k; j++) mean[j]! += w * rows[off + j]!;
  }
  for (let j = 0; j < k; j++) mean[j]! /= weight;
  const centered =
    scratch && scratch.length >= count * k
      ? scratch.subarray(0, count * k)
      : new Float64Array(count * k);
  for (let r = 0; r < count; r++) {
    const root = weights ? Math.sqrt(weights[r]!) : 1;
    const off = r * k;
    for (let j = 0; j < k; j++) centered[off + j] = root * (rows[off + j]! - mean[j]!);
  }
  return { weight, mean, centered };
}

const TILE = 4;

/**
 * Pure JavaScript YᵀY: transposes Y into zero-padded column-major panels so each
 * dot product runs over contiguous memory, computes only the upper triangle in 4×4
 * register tiles (16 multiply-adds per 8 loads), then mirrors it.
 */
export const blockedGramKernel: GramKernel = {
  name: 'js-blocked',
  gram(y: Float64Array, count: number, k: number): Float64Array {
    const padded = Math.ceil(k / TILE) * TILE;
    const columns = new Float64Array(padded * count);
    for (let r = 0; r < count; r++) {
      const off = r * k;
      for (let j = 0; j < k; j++) columns[j * count + r] = y[off + j]!;
    }
    const out = new Float64Array(k * k);
    for (let i = 0; i < padded; i += TILE) {
      const a0 = i * count;
      const a1 = a0 + count;
      const a2 = a1 + count;
      const a3 = a2 + count;
      for (let j = i; j < padded; j += TILE) {
        const b0 = j * count;
        const b1 = b0 + count;
        const b2 = b1 + count;
        const b3 = b2 + count;
        let s00 = 0,
          s01 = 0,
          s02 = 0,
          s03 = 0;
        let s10 = 0,
          s11 = 0,
          s12 = 0,
          s13 = 0;
        let s20 = 0,
          s21 = 0,
          s22 = 0,
          s23 = 0;
        let s30 = 0,
          s31 = 0,
          s32 = 0,
          s33 = 0;
        for (let r = 0; r < count; r++) {
          const x0 = columns[a0 + r]!,
            x1 = columns[a1 + r]!;
          const x2 = columns[a2 + r]!,
            x3 = columns[a3 + r]!;
          const z0 = columns[b0 + r]!,
            z1 = columns[b1 + r]!;
          const z2 = columns[b2 + r]!,
            z3 = columns[b3 + r]!;
          s00 += x0 * z0;
          s01 += x0 * z1;
          s02 += x0 * z2;
          s03 += x0 * z3;
          s10 += x1 * z0;
          s11 += x1 * z1;
          s12 += x1 * z2;
          s13 += x1 * z3;
          s20 += x2 * z0;
          s21 += x2 * z1;
          s22 += x2 * z2;
          s23 += x2 * z3;
          s30 += x3 * z0;
          s31 += x3 * z1;
          s32 += x3 * z2;
          s33 += x3 * z3;
        }
        const tile = [
          s00,
          s01,
          s02,
          s03,
          s10,
          s11,
          s12,
          s13,
          s20,
          s21,
          s22,
          s23,
          s30,
          s31,
          s32,
          s33,
        ];
        for (let p = 0; p < TILE && i + p < k; p++) {
          for (let q = 0; q < TILE && j + q < k; q++) {
            const v = tile[p * TILE + q]!;
            out[(i + p) * k + (j + q)] = v;
            out[(j + q) * k + (i + p)] = v;
          }
        }
      }
    }
    return out;
  },
};

/**
 * Chan et al.'s exact merge of two weighted summaries, written into `into`:
 * W = W_a + W_b, δ = μ_b − μ_a, μ = μ_a + δ W_b / W, M = M_a + M_b + δ δᵀ W_a W_b / W.
 */
export function mergeMomentsInto(
  into: { weight: number; mean: Float64Array; scatter: Float64Array },
  other: BatchMoments,
): void {
  const wa = into.weight;
  const wb = other.weight;
  if (wb === 0) return;
  const k = into.mean.length;
  const w = wa + wb;
  const delta = new Float64Array(k);
  for (let j = 0; j < k; j++) delta[j] = other.mean[j]! - into.mean[j]!;
  const coupling = (wa * wb) / w;
  for (let i = 0; i < k; i++) {
    const di = delta[i]! * coupling;
    const row = i * k;
    for (let j = 0; j < k; j++) into.scatter[row + j]! += other.scatter[row + j]! + di * delta[j]!;
  }
  for (let j = 0; j < k; j++) into.mean[j]! += (delta[j]! * wb) / w;
  into.weight = w;
}

/**
 * One pass of y = x − s over a row-major batch, with the column sums c = Σ y; returns
 * false when a sum is not finite (then an input is not finite, or the sums overflowed).
 */
export function shiftBatchInto(
  rows: ArrayLike<number>,
  count: number,
  k: number,
  shift: Float64Array,
  out: Float64Array | Float32Array,
  sums: Float64Array,
): boolean {
  sums.fill(0, 0, k);
  for (let r = 0; r < count; r++) {
    const off = r * k;
    for (let j = 0; j < k; j++) {
      const y = rows[off + j]! - shift[j]!;
      out[off + j] = y;
      sums[j]! += y;
    }
  }
  return allFinite(sums, k);
}

/** True when the first `length` entries are finite (one multiply per entry). */
export function allFinite(values: ArrayLike<number>, length = values.length): boolean {
  let probe = 0;
  // x · 0 is 0 for finite x and NaN for ±∞ or NaN, and NaN survives the sum.
  for (let j = 0; j < length; j++) probe += values[j]! * 0;
  return probe === 0;
}

/**
 * Chan's merge of a batch given by its raw moments about `shift` (see ShiftedMoments):
 * the batch has weight n, mean μ_b = s + c / n and scatter G − c cᵀ / n. With
 * δ = μ_b − μ_a and W = W_a + n:
 *   μ = μ_a + δ n / W,   M = M_a + G − c cᵀ / n + δ δᵀ W_a n / W.
 * Any shift gives the exact result; a shift near the data (the running mean when
 * W_a ≥ n, else a row of the batch) bounds the cancellation to a factor ≤ n + 1 and in
 * steady state ≈ 1. O(k²); only the upper triangle is computed, then mirrored.
 */
export function mergeShiftedMomentsInto(
  into: { weight: number; mean: Float64Array; scatter: Float64Array },
  count: number,
  shift: Float64Array,
  moments: ShiftedMoments,
): void {
  if (count === 0) return;
  const k = into.mean.length;
  const { gram, sums } = moments;
  const wa = into.weight;
  const w = wa + count;
  const delta = new Float64Array(k);
  const scaled = new Float64Array(k);
  const coupling = (wa * count) / w;
  for (let j = 0; j < k; j++) {
    delta[j] = shift[j]! - into.mean[j]! + sums[j]! / count;
    scaled[j] = sums[j]! / count;
  }
  const m = into.scatter;
  for (let i = 0; i < k; i++) {
    const ci = sums[i]!;
    const di = delta[i]! * coupling;
    const row = i * k;
    for (let j = i; j < k; j++) {
      m[row + j]! += gram[row + j]! - ci * scaled[j]! + di * delta[j]!;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) m[j * k + i] = m[i * k + j]!;
  }
  for (let j = 0; j < k; j++) into.mean[j]! += (delta[j]! * count) / w;
  into.weight = w;
}
