// The equilibrium sweep (docs/measures.md, "The band"): train one MAE per mask ratio on the first
// rows, then on held-out windows measure each model's latent redundancy and its masked
// reconstruction error. R* is the redundancy of the lowest-error model; the band is the
// range of redundancies whose error is within a tolerance of that minimum.
import { RunningCovariance } from '../shared/covariance/welford.ts';
import { UserError } from '../shared/errors.ts';
import { computeMeasures } from '../shared/measures/compute.ts';
import { SCALAR_MEASURES, scalarMeasure, type ScalarMeasure } from '../shared/measures/types.ts';
import type { Band } from '../shared/schema/common.ts';
import type { SensorTable } from './csv.ts';
import { maskedMse, predict } from './model.ts';
import {
  checkFitOptions,
  fitTable,
  windowsOf,
  type FitOptions,
  type FittedMae,
} from './pipeline.ts';
import { sampleMasks } from '../shared/mae/masks.ts';
import { Rng } from '../shared/random.ts';
import { normStats, type Windows } from './windows.ts';

export interface CalibrateOptions extends Omit<FitOptions, 'maskRatio'> {
  maskRatios: number[];
  /** the measure the band is drawn on */
  measure: ScalarMeasure;
  /** relative: models within (1 + tolerance) × the best error are in the band */
  tolerance: number;
  /** fraction of rows (the last ones, time order) kept out of training */
  holdout: number;
  /** the common mask ratio all models are scored at, so their errors compare */
  referenceRatio: number;
  /**
   * which held-out error picks R* and the band: 'sweep' = the mean over all swept ratios
   * (default), 'reference' = at referenceRatio alone. Both use identical masks for every
   * model; a single ratio favours the model trained at that ratio, the mean does not.
   */
  criterion?: Criterion;
  /**
   * widen the band by this many standard deviations of the measure's sampling noise (the
   * half-split estimate); 0 = the sweep's band (docs/measures.md) as is
   */
  bandMargin?: number;
  /** called before each model is trained */
  onModel?: (index: number, total: number, maskRatio: number) => void;
}

export type Criterion = 'sweep' | 'reference';

export const errorOf = (p: SweepPoint, c: Criterion = 'sweep') =>
  c === 'sweep' ? p.errorSweep : p.errorRef;

export type MeasureValues = Record<ScalarMeasure, number | null>;

export interface SweepPoint {
  maskRatio: number;
  /** masked MSE on held-out windows, masked at this model's own ratio */
  errorOwn: number;
  /** masked MSE on held-out windows, masked at the reference ratio (what R* uses) */
  errorRef: number;
  /** mean masked MSE over every ratio of the sweep (same masks for all models): no ratio favoured */
  errorSweep: number;
  /** redundancy of the latent over all held-out windows */
  measures: MeasureValues;
  /** the same on the first and second half of the held-out windows (a noise estimate) */
  halves: [MeasureValues, MeasureValues];
  /** why measures are missing, when the latent covariance is degenerate */
  degenerate: string | null;
  trainLoss: number[];
}

export interface Separation {
  measure: ScalarMeasure;
  /** Spearman rank correlation between mask ratio and the measure, across models */
  spearman: number | null;
  /** std of the measure across models ÷ its within-model noise (half-split estimate) */
  spreadToNoise: number | null;
  /** the within-model noise itself: the estimated std of the measure on the held-out set */
  noise: number | null;
}

/**
 * Error against redundancy: 'U' when the models at both ends of the redundancy range are
 * worse than the tolerance allows; 'falling'/'rising' when only the low/high end is; 'flat'.
 */
export type CurveShape = 'U' | 'falling' | 'rising' | 'flat';

export interface CalibrationResult {
  csv: string;
  rows: { train: number; heldOut: number };
  windows: { train: number; heldOut: number };
  options: Omit<CalibrateOptions, 'onModel' | 'onBatch' | 'onEpoch'>;
  points: SweepPoint[];
  best: number;
  /** indices of the models within tolerance of the best */
  inBand: number[];
  rStar: number;
  /** [min, max] of the measure over the models within tolerance (docs/measures.md, "The band") */
  sweepBand: Band;
  /** sweepBand widened by bandMargin × noise of the measure: what goes into the model */
  band: Band;
  /** true when the lowest error is not at either end of the redundancy range */
  interiorMinimum: boolean;
  shape: CurveShape;
  separation: Separation[];
  bestSeparating: ScalarMeasure | null;
}

const EVAL_SEED_LABEL = 7;

function measuresOf(latent: Float32Array, n: number, k: number) {
  const cov = new RunningCovariance(k);
  for (let i = 0; i < n; i++) cov.push(latent.subarray(i * k, (i + 1) * k));
  const out = computeMeasures(cov);
  const values = {} as MeasureValues;
  for (const m of SCALAR_MEASURES) values[m] = out.ok ? scalarMeasure(out.measures, m) : null;
  return { values, degenerate: out.ok ? null : out.degenerate.message };
}

/** Scores one trained model on the held-out windows. */
export async function evaluate(
  f: FittedMae,
  held: Windows,
  referenceRatio: number,
  seed: number,
  sweepRatios: number[] = [],
): Promise<Omit<SweepPoint, 'trainLoss'>> {
  const { dims, weights, maskRatio } = f.trained;
  const cells = dims.window * dims.channels;
  // Same seed for every model: at the reference ratio all models see identical masks,
  // so their errors differ only by the model (a paired comparison).
  const own = sampleMasks(new Rng(seed).fork(EVAL_SEED_LABEL), held.n, cells, maskRatio);
  const ref = sampleMasks(new Rng(seed).fork(EVAL_SEED_LABEL + 1), held.n, cells, referenceRatio);
  // The latent is taken as the agent takes it: masked at the model's own ratio.
  const a = await predict(weights, dims, held.x, own, held.n);
  const b = await predict(weights, dims, held.x, ref, held.n);
  let sweepSum = 0;
  for (const [i, r] of sweepRatios.entries()) {
    const m = sampleMasks(new Rng(seed).fork(EVAL_SEED_LABEL + 2 + i), held.n, cells, r);
    sweepSum += maskedMse(held.x, (await predict(weights, dims, held.x, m, held.n)).recon, m);
  }
  const k = dims.latentDim;
  const all = measuresOf(a.latent, held.n, k);
  const half = Math.floor(held.n / 2);
  const h1 = measuresOf(a.latent.subarray(0, half * k), half, k);
  const h2 = measuresOf(a.latent.subarray(half * k), held.n - half, k);
  return {
    maskRatio,
    errorOwn: maskedMse(held.x, a.recon, own),
    errorRef: maskedMse(held.x, b.recon, ref),
    errorSweep: sweepRatios.length > 0 ? sweepSum / sweepRatios.length : NaN,
    measures: all.values,
    halves: [h1.values, h2.values],
    degenerate: all.degenerate,
  };
}

function ranks(v: number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let q = i; q <= j; q++) r[order[q]![1]] = (i + j) / 2; // ties share the mean rank
    i = j + 1;
  }
  return r;
}

export function spearman(x: number[], y: number[]): number | null {
  if (x.length < 3) return null;
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

export function separation(points: SweepPoint[]): Separation[] {
  return SCALAR_MEASURES.map((measure) => {
    const vals = points.map((p) => p.measures[measure]);
    if (vals.some((v) => v === null)) {
      return { measure, spearman: null, spreadToNoise: null, noise: null };
    }
    const v = vals as number[];
    const rho = spearman(
      points.map((p) => p.maskRatio),
      v,
    );
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const spread = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
    // Half-sample estimates differ by ~√2·σ_half and σ_full ≈ σ_half/√2, so σ_full ≈ |a−b|/2.
    let noise2 = 0;
    let counted = 0;
    for (const p of points) {
      const [a, b] = [p.halves[0][measure], p.halves[1][measure]];
      if (a === null || b === null) continue;
      noise2 += ((a - b) / 2) ** 2;
      counted++;
    }
    const noise = counted > 0 ? Math.sqrt(noise2 / counted) : 0;
    return {
      measure,
      spearman: rho,
      spreadToNoise: noise > 0 ? spread / noise : null,
      noise: counted > 0 ? noise : null,
    };
  });
}

/** Band and R* from evaluated points; throws UserError when the chosen measure is undefined. */
export function bandFrom(
  points: SweepPoint[],
  measure: ScalarMeasure,
  tolerance: number,
  criterion: Criterion = 'sweep',
) {
  const err = (p: SweepPoint) => errorOf(p, criterion);
  let best = 0;
  points.forEach((p, i) => {
    if (err(p) < err(points[best]!)) best = i;
  });
  const rStar = points[best]!.measures[measure];
  if (rStar === null) {
    throw new UserError(
      `the best model's latent ${measure} is undefined (${points[best]!.degenerate ?? '+∞'}); choose another --measure`,
      'calibration',
    );
  }
  const limit = err(points[best]!) * (1 + tolerance);
  const inBand = points.flatMap((p, i) =>
    err(p) <= limit && p.measures[measure] !== null ? [i] : [],
  );
  const values = inBand.map((i) => points[i]!.measures[measure]!);
  const band: Band = {
    measure,
    low: Math.min(...values),
    center: rStar,
    high: Math.max(...values),
  };
  const defined = points.filter((p) => p.measures[measure] !== null);
  const byValue = [...defined].sort((a, b) => a.measures[measure]! - b.measures[measure]!);
  const lowest = byValue[0]!;
  const highest = byValue[byValue.length - 1]!;
  const lowWorse = err(lowest) > limit;
  const highWorse = err(highest) > limit;
  const shape: CurveShape =
    lowWorse && highWorse ? 'U' : lowWorse ? 'falling' : highWorse ? 'rising' : 'flat';
  const interiorMinimum = rStar > lowest.measures[measure]! && rStar < highest.measures[measure]!;
  return { best, rStar, band, inBand, interiorMinimum, shape };
}

export function checkCalibrateOptions(o: CalibrateOptions): void {
  const bad = (msg: string) => {
    throw new UserError(msg, 'usage');
  };
  if (o.maskRatios.length < 3) bad('--mask-ratios needs at least 3 ratios for a sweep');
  if (o.maskRatios.some((r) => !(r > 0 && r < 1))) bad('--mask-ratios must all be in (0, 1)');
  if (new Set(o.maskRatios).size !== o.maskRatios.length) bad('--mask-ratios lists a ratio twice');
  if (!(o.holdout > 0 && o.holdout < 1)) bad('--holdout must be in (0, 1)');
  if (!(o.tolerance >= 0)) bad('--tolerance must be ≥ 0');
  if (!((o.bandMargin ?? 0) >= 0)) bad('--band-margin must be ≥ 0');
  if (!(o.referenceRatio > 0 && o.referenceRatio < 1)) bad('--reference-ratio must be in (0, 1)');
  if (o.criterion !== undefined && !['sweep', 'reference'].includes(o.criterion)) {
    bad('--criterion must be "sweep" or "reference"');
  }
  if (!(SCALAR_MEASURES as readonly string[]).includes(o.measure)) {
    bad(`--measure must be one of ${SCALAR_MEASURES.join(', ')}`);
  }
}

/** Runs the sweep; returns the result and the chosen (best) model, ready to export. */
export async function calibrate(
  table: SensorTable,
  o: CalibrateOptions,
): Promise<{ result: CalibrationResult; chosen: FittedMae }> {
  checkCalibrateOptions(o);
  checkFitOptions({ ...o, maskRatio: o.maskRatios[0]! }); // window, hop, … before any work
  const trainRows = Math.floor(table.rows * (1 - o.holdout));
  const heldRows = table.rows - trainRows;
  const ratios = [...o.maskRatios].sort((a, b) => a - b);
  const c = table.channels.length;
  // Held-out windows first: a file too short for the sweep fails before any training.
  const stats = normStats(table.data.subarray(0, trainRows * c), trainRows, c);
  const heldWhat = `${table.file} (held-out rows)`;
  const held = windowsOf(table, trainRows, table.rows, stats, o.window, o.hop, heldWhat);
  if (held.n <= o.latentDim + 1) {
    throw new UserError(
      `${table.file}: only ${held.n} held-out windows for a ${o.latentDim}-dim latent; use more rows or a larger --holdout`,
      'calibration',
    );
  }
  const points: SweepPoint[] = [];
  const fitted: FittedMae[] = [];
  for (const [i, maskRatio] of ratios.entries()) {
    o.onModel?.(i, ratios.length, maskRatio);
    // One seed for all models: same initial weights and batch order, only the ratio differs.
    const f = await fitTable(table, trainRows, { ...o, maskRatio });
    const point = await evaluate(f, held, o.referenceRatio, o.seed, ratios);
    points.push({ ...point, trainLoss: f.trained.losses });
    fitted.push(f);
  }
  const {
    best,
    rStar,
    band: sweepBand,
    inBand,
    interiorMinimum,
    shape,
  } = bandFrom(points, o.measure, o.tolerance);
  const sep = separation(points);
  const margin = (o.bandMargin ?? 0) * (sep.find((s) => s.measure === o.measure)?.noise ?? 0);
  const band: Band = { ...sweepBand, low: sweepBand.low - margin, high: sweepBand.high + margin };
  const ranked = sep
    .filter((s) => s.spreadToNoise !== null)
    .sort((a, b) => b.spreadToNoise! - a.spreadToNoise!);
  const { onModel: _m, onBatch: _b, onEpoch: _e, ...options } = o;
  const result: CalibrationResult = {
    csv: table.file,
    rows: { train: trainRows, heldOut: heldRows },
    windows: { train: Math.floor((trainRows - o.window) / o.hop) + 1, heldOut: held.n },
    options: { ...options, maskRatios: ratios, criterion: o.criterion ?? 'sweep' },
    points,
    best,
    inBand,
    rStar,
    sweepBand,
    band,
    interiorMinimum,
    shape,
    separation: sep,
    bestSeparating: ranked[0]?.measure ?? null,
  };
  return { result, chosen: fitted[best]! };
}
