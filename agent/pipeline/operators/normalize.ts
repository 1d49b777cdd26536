// Normalization with the model's training statistics: x' = (x − mean_c) / std_c, as float32,
// which is what the mae/v1 model was trained on and what its runtime takes.
// prepare.ts normalizes clean windows per sample with the same expression (sample-ring.ts) and
// runs this stage on the imputed ones.
import type { OperatorFunction } from 'rxjs';
import type { BufferPool } from '../buffers.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import type { ModelWindow, RawWindow } from '../types.ts';

export interface NormalizeOptions {
  mean: readonly number[];
  std: readonly number[];
  /** raw window buffers are given back here once normalized (the window stage's pool) */
  rawPool?: BufferPool<Float64Array>;
  /** where model inputs come from (inference gives them back); default: fresh each time */
  pool?: BufferPool<Float32Array>;
}

export function createNormalizeStage(opts: NormalizeOptions): Stage<RawWindow, ModelWindow> {
  const c = opts.mean.length;
  const mean = Float64Array.from(opts.mean);
  const inv = Float64Array.from(opts.std, (s) => 1 / s);
  return {
    name: 'normalize',
    push(w, emit) {
      const values = w.values;
      const len = values.length;
      const x = opts.pool && opts.pool.length === len ? opts.pool.take() : new Float32Array(len);
      for (let row = 0; row < len; row += c) {
        for (let ch = 0; ch < c; ch++) x[row + ch] = (values[row + ch]! - mean[ch]!) * inv[ch]!;
      }
      opts.rawPool?.give(values);
      emit({ start: w.start, end: w.end, x });
    },
  };
}

export const normalize = (
  opts: NormalizeOptions,
  registry: StageRegistry,
): OperatorFunction<RawWindow, ModelWindow> => runStage(createNormalizeStage(opts), registry);
