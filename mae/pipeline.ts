// The path shared by `redband train` and `redband calibrate`: CSV table → normalization
// from the training rows → windows → trained MAE → contract metadata for export.
import type { Band } from '../shared/schema/common.ts';
import { UserError } from '../shared/errors.ts';
import type { SensorTable } from './csv.ts';
import { exportOnnx } from './export.ts';
import { trainMae, type TrainedMae } from './train.ts';
export { FIT_DEFAULTS } from './defaults.ts';
import { makeWindows, normalize, normStats, type NormStats, type Windows } from './windows.ts';

export interface FitOptions {
  window: number;
  latentDim: number;
  hidden: number;
  maskRatio: number;
  epochs: number;
  seed: number;
  /** rows between window starts */
  hop: number;
  onBatch?: (done: number, total: number) => void;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface FittedMae {
  trained: TrainedMae;
  stats: NormStats;
  channels: string[];
}

/** Windows of rows [from, to) normalized with `stats` (from the training rows, never the held-out). */
export function windowsOf(
  table: SensorTable,
  from: number,
  to: number,
  stats: NormStats,
  t: number,
  hop: number,
  what: string,
): Windows {
  const c = table.channels.length;
  const rows = to - from;
  const norm = normalize(table.data.subarray(from * c, to * c), rows, c, stats);
  return makeWindows(norm, rows, c, t, hop, what);
}

export function checkFitOptions(o: FitOptions): void {
  const bad = (msg: string) => {
    throw new UserError(msg, 'usage');
  };
  if (!Number.isInteger(o.window) || o.window < 2) bad(`--window must be an integer ≥ 2`);
  if (!Number.isInteger(o.latentDim) || o.latentDim < 1) bad(`--latent must be a positive integer`);
  if (!(o.maskRatio > 0 && o.maskRatio < 1)) bad(`--mask-ratio must be in (0, 1)`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) bad(`--epochs must be a positive integer`);
  if (!Number.isInteger(o.hop) || o.hop < 1) bad(`--hop must be a positive integer`);
  if (!Number.isInteger(o.seed) || o.seed < 0) bad(`--seed must be a non-negative integer`);
}

/** Trains on rows [0, rows) of the table. */
export async function fitTable(
  table: SensorTable,
  rows: number,
  o: FitOptions,
): Promise<FittedMae> {
  checkFitOptions(o);
  const c = table.channels.length;
  const stats = normStats(table.data.subarray(0, rows * c), rows, c);
  const w = windowsOf(table, 0, rows, stats, o.window, o.hop, `${table.file} (training rows)`);
  const trained = await trainMae(w, {
    latentDim: o.latentDim,
    hidden: o.hidden,
    maskRatio: o.maskRatio,
    epochs: o.epochs,
    seed: o.seed,
    onBatch: o.onBatch,
    onEpoch: o.onEpoch,
  });
  return { trained, stats, channels: table.channels };
}

export function exportFitted(f: FittedMae, band: Band | null): Uint8Array {
  return exportOnnx(f.trained, {
    channels: f.channels,
    normMean: f.stats.mean,
    normStd: f.stats.std,
    band,
  });
}
