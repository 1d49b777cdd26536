// From a table of sensor rows to what the MAE sees: per-channel normalization (the stats
// travel in the model's metadata so the agent normalizes the same way), overlapping
// windows. The masks are the contract's (shared/mae/masks.ts).
import { UserError } from '../shared/errors.ts';

export interface NormStats {
  mean: number[];
  std: number[];
}

/**
 * Per-channel mean and std over `rows` rows. A constant channel has std 0; the floor keeps
 * the agent's division finite (the channel then normalizes to ~0, i.e. carries nothing).
 */
export function normStats(data: Float64Array, rows: number, c: number): NormStats {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += data[r * c + j]!;
    const m = s / rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (data[r * c + j]! - m) ** 2;
    const sd = Math.sqrt(v / Math.max(1, rows - 1));
    mean.push(m);
    std.push(Math.max(sd, 1e-6 * Math.max(1, Math.abs(m))));
  }
  return { mean, std };
}

export function normalize(data: Float64Array, rows: number, c: number, s: NormStats): Float32Array {
  const out = new Float32Array(rows * c);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) out[r * c + j] = (data[r * c + j]! - s.mean[j]!) / s.std[j]!;
  }
  return out;
}

export interface Windows {
  /** [n, T, C] row-major */
  x: Float32Array;
  n: number;
  window: number;
  channels: number;
}

/** Windows of `t` rows every `hop` rows; throws UserError when not even one fits. */
export function makeWindows(
  norm: Float32Array,
  rows: number,
  c: number,
  t: number,
  hop: number,
  what = 'the data',
): Windows {
  if (rows < t) {
    throw new UserError(`${what} has ${rows} rows, fewer than one window of ${t}`, 'too-few-rows');
  }
  const n = Math.floor((rows - t) / hop) + 1;
  const x = new Float32Array(n * t * c);
  for (let i = 0; i < n; i++) x.set(norm.subarray(i * hop * c, (i * hop + t) * c), i * t * c);
  return { x, n, window: t, channels: c };
}
