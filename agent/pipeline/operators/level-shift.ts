// The level-shift statistic of the inputs (shared/detect/mean-shift.ts): the normalized
// samples of the watched channels feed a MeanShiftDetector whose baseline (μ₀, Σ₀) is fitted
// on the samples of the warm-up's fit part; every window then carries D_mean of the sliding
// mean of the last `meanWindow` samples at its last sample. Each sample is added once: the
// first window adds its T rows, every later one its last H (the rows new since the previous
// window), so the stage sees the sample stream although it runs on windows.
import type { OperatorFunction } from 'rxjs';
import { MeanShiftDetector } from '../../../shared/detect/mean-shift.ts';
import { runChunkedStage, type Stage, type StageRegistry } from '../stage.ts';
import type { ModelWindow } from '../types.ts';

export interface LevelShiftOptions {
  /** samples per window (T) and channels per sample (C) of a model window */
  window: number;
  channels: number;
  hop: number;
  /** indices (into the model's channels) of the channels watched */
  watch: readonly number[];
  /** samples in the sliding mean */
  meanWindow: number;
  /** windows whose samples fit the baseline (the warm-up's fit part, F) */
  fitWindows: number;
}

/** Samples added by the first `windows` windows: T, then H per window. */
export function samplesOfWindows(o: Pick<LevelShiftOptions, 'window' | 'hop'>, windows: number) {
  return windows <= 0 ? 0 : o.window + (windows - 1) * o.hop;
}

export function createLevelShiftStage(o: LevelShiftOptions): Stage<ModelWindow, ModelWindow> {
  const { window: t, channels: c, hop, watch } = o;
  for (const i of watch) {
    if (!Number.isInteger(i) || i < 0 || i >= c) throw new RangeError(`no channel #${i}`);
  }
  const detector = new MeanShiftDetector({
    k: watch.length,
    window: o.meanWindow,
    fitSamples: Math.max(2, samplesOfWindows(o, o.fitWindows)),
  });
  const row = new Float64Array(watch.length);
  let first = true;
  return {
    name: 'level-shift',
    push(w, emit) {
      const from = first ? 0 : t - hop;
      first = false;
      for (let r = from; r < t; r++) {
        const base = r * c;
        for (let j = 0; j < watch.length; j++) row[j] = w.x[base + watch[j]!]!;
        detector.add(row);
      }
      w.driftMean = detector.value();
      emit(w);
    },
  };
}

/** The stage over the arrays of windows the prepare stage emits (one call per chunk). */
export const levelShiftChunks = (
  o: LevelShiftOptions,
  registry: StageRegistry,
): OperatorFunction<readonly ModelWindow[], ModelWindow[]> =>
  runChunkedStage(createLevelShiftStage(o), registry);
