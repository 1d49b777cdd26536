// How far the input channels' joint coupling has moved from the warm-up's: the Gaussian KL
// between the live and the reference *correlation* matrices,
//   coupling_shift = ½ [tr(R₀⁻¹R) − log det(R₀⁻¹R) − k]   (nats),
// which is 0 exactly when R = R₀ and does not move with the channels' means or scales — only
// with how they co-vary (redundancy geometry: −½ log det R is the total correlation). Both
// matrices carry the relative ridge of attribution.ts, R_λ = (R + λI)/(1 + λ), so a channel
// that copies another stays finite. A dead channel (variance ≤ DEAD_VARIANCE × the mean) is
// taken as independent of the rest (unit diagonal, zero row): dead in both matrices it adds
// nothing, dead in one only its lost (or new) coupling counts. Float64; never NaN.
import { choleskyLogDet, type CholeskyFactor } from '../linalg/cholesky.ts';
import { COUPLING_RIDGE, DEAD_VARIANCE, factorRidged } from './attribution.ts';

/** The k×k correlation of a covariance, dead channels independent of the rest. */
export function correlationMatrix(covariance: ArrayLike<number>, k: number): Float64Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be ≥ 1, got ${k}`);
  if (covariance.length !== k * k) {
    throw new RangeError(`covariance has ${covariance.length} entries, expected ${k * k}`);
  }
  let mean = 0;
  for (let i = 0; i < k; i++) {
    const v = covariance[i * k + i]!;
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`variance[${i}] = ${v}`);
    mean += v / k;
  }
  const sd = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const v = covariance[i * k + i]!;
    sd[i] = v > DEAD_VARIANCE * mean ? Math.sqrt(v) : 0;
  }
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    r[i * k + i] = 1;
    if (sd[i] === 0) continue;
    for (let j = i + 1; j < k; j++) {
      if (sd[j] === 0) continue;
      const c = covariance[i * k + j]! / (sd[i]! * sd[j]!);
      if (!Number.isFinite(c)) throw new RangeError(`covariance[${i}][${j}] is not finite`);
      // rounding may put |c| a hair above 1
      r[i * k + j] = r[j * k + i] = Math.max(-1, Math.min(1, c));
    }
  }
  return r;
}

/** A ridged correlation matrix's factor and log-determinant, as both sides of the KL use. */
interface Ridged {
  factor: CholeskyFactor;
  /** log det R_λ = log det(R + λI) − k log(1 + λ) */
  logDet: number;
  /** the λ that factored (factorRidged grows it tenfold while R + λI does not) */
  ridge: number;
}

function ridged(r: Float64Array, k: number, ridge: number): Ridged {
  const f = factorRidged(r, k, ridge);
  const logDet = choleskyLogDet(f.factor) - k * Math.log(1 + f.ridge);
  return { factor: f.factor, logDet, ridge: f.ridge };
}

/**
 * The reference R₀ (the warm-up's fit part), prepared once: R₀_λ⁻¹ and log det R₀_λ, so a
 * reading costs one k×k factorization (k³/6) and a k² trace.
 */
export class CouplingReference {
  readonly k: number;
  private readonly inverse: Float64Array;
  private readonly logDet: number;

  constructor(
    covariance: ArrayLike<number>,
    k: number,
    private readonly ridge = COUPLING_RIDGE,
  ) {
    this.k = k;
    const r0 = ridged(correlationMatrix(covariance, k), k, ridge);
    this.logDet = r0.logDet;
    this.inverse = inverseOf(r0.factor);
  }

  /** coupling_shift of a live covariance against this reference, ≥ 0 */
  shift(covariance: ArrayLike<number>): number {
    const k = this.k;
    const r = correlationMatrix(covariance, k);
    const live = ridged(r, k, this.ridge);
    // R_λ: the off-diagonal entries of R over 1 + λ, the diagonal kept at 1
    const scale = 1 / (1 + live.ridge);
    let trace = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const rij = i === j ? 1 : r[i * k + j]! * scale;
        trace += this.inverse[j * k + i]! * rij;
      }
    }
    const kl = 0.5 * (trace - live.logDet + this.logDet - k);
    // rounding may leave −1e−12 for R = R₀
    return Number.isFinite(kl) ? Math.max(0, kl) : 0;
  }
}

/** A⁻¹ (row-major) from A = LLᵀ, column by column: solve L y = eᵢ, then Lᵀ x = y. */
function inverseOf(f: CholeskyFactor): Float64Array {
  const { k, lower: l } = f;
  const out = new Float64Array(k * k);
  const y = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < k; r++) {
      let v = r === c ? 1 : 0;
      for (let q = 0; q < r; q++) v -= l[r * k + q]! * y[q]!;
      y[r] = v / l[r * k + r]!;
    }
    for (let r = k - 1; r >= 0; r--) {
      let v = y[r]!;
      for (let q = r + 1; q < k; q++) v -= l[q * k + r]! * out[q * k + c]!;
      out[r * k + c] = v / l[r * k + r]!;
    }
  }
  return out;
}
