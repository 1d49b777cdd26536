// The last T samples, normalized once when each arrives. With hop H < T every sample belongs
// to T/H windows; normalizing and checking it per window redid the same arithmetic T/H times
// (T/H = 32 for skab-pump), which cost more than the model itself. Here each sample is normalized
// and checked for non-finite values once, and a window is a copy of a contiguous block.
//
// Layout: a mirrored ring of 2T rows — every sample is written at row `next` and `next + T`,
// so the last T samples in time order are always the contiguous rows [next, next + T), and a
// window is one TypedArray.set() instead of two, whatever the wrap-around.
//
// The normalized value is (x − mean_c) · (1 / std_c) in float64, rounded to float32 on store:
// the same expression, on the same float64 input, as operators/normalize.ts, so a clean
// window's floats are bit-identical to window → missing → normalize. A window holding a
// non-finite value needs the missing-value policy, which looks at the whole window; the ring
// keeps the raw values too, so that window can take the per-window path unchanged.

export interface SampleRingOptions {
  /** samples per window (T) */
  size: number;
  /** the model's per-channel training mean and std (C each) */
  mean: readonly number[];
  std: readonly number[];
}

export class NormalizedSampleRing {
  readonly size: number;
  readonly channels: number;
  private readonly mean: Float64Array;
  private readonly inv: Float64Array;
  /** 2T rows of C: normalized (float32) and raw (float64) values, mirrored */
  private readonly normalized: Float32Array;
  private readonly raw: Float64Array;
  private readonly times: Float64Array;
  /** per ring slot: non-finite values of the sample stored there */
  private readonly badPerRow: Int32Array;
  /** the slot the next sample overwrites (the oldest of the last T) */
  private next = 0;
  private count = 0;
  private bad = 0;

  constructor(o: SampleRingOptions) {
    const { size } = o;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`window size must be ≥ 1, got ${size}`);
    }
    if (o.std.length !== o.mean.length) {
      throw new RangeError(`${o.mean.length} means but ${o.std.length} standard deviations`);
    }
    this.size = size;
    this.channels = o.mean.length;
    this.mean = Float64Array.from(o.mean);
    this.inv = Float64Array.from(o.std, (s) => 1 / s);
    this.normalized = new Float32Array(2 * size * this.channels);
    this.raw = new Float64Array(2 * size * this.channels);
    this.times = new Float64Array(2 * size);
    this.badPerRow = new Int32Array(size);
  }

  /** Samples held: min(samples pushed, T). */
  get filled(): number {
    return this.count;
  }

  /** Non-finite values among the samples held. */
  get nonFinite(): number {
    return this.bad;
  }

  /** Data time of the oldest and the newest sample held. */
  get start(): number {
    return this.times[this.next]!;
  }
  get end(): number {
    return this.times[this.next + this.size - 1]!;
  }

  /** Adds one sample of C values, replacing the oldest once T are held. */
  push(t: number, values: ArrayLike<number>): void {
    const c = this.channels;
    if (values.length !== c) {
      throw new RangeError(`sample has ${values.length} values, expected ${c}`);
    }
    const slot = this.next;
    const lo = slot * c;
    const hi = (slot + this.size) * c;
    const { mean, inv, normalized, raw } = this;
    let bad = 0;
    for (let ch = 0; ch < c; ch++) {
      const v = values[ch]!;
      if (!Number.isFinite(v)) bad++;
      const x = (v - mean[ch]!) * inv[ch]!;
      normalized[lo + ch] = x;
      normalized[hi + ch] = x;
      raw[lo + ch] = v;
      raw[hi + ch] = v;
    }
    this.times[slot] = t;
    this.times[slot + this.size] = t;
    // the slot's previous sample leaves the window only once the ring is full (before, it is 0)
    this.bad += bad - this.badPerRow[slot]!;
    this.badPerRow[slot] = bad;
    this.next = slot + 1 === this.size ? 0 : slot + 1;
    if (this.count < this.size) this.count++;
  }

  /** The last T samples, normalized, in time order ([T, C] row-major) into `out`. */
  copyNormalized(out: Float32Array): void {
    const c = this.channels;
    out.set(this.normalized.subarray(this.next * c, (this.next + this.size) * c));
  }

  /** The last T samples as they arrived (NaN where missing), in time order, into `out`. */
  copyRaw(out: Float64Array): void {
    const c = this.channels;
    out.set(this.raw.subarray(this.next * c, (this.next + this.size) * c));
  }
}
