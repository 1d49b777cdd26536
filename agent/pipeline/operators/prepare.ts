// Windowing, the missing-value policy and normalization in one stage, per sample rather than
// per window: each sample is normalized and checked once when it arrives (sample-ring.ts), and
// a clean window — the common case — costs one copy. Only a window holding a non-finite value
// takes the per-window path: its raw values go through the very missing-value and normalize
// stages (missing.ts, normalize.ts), so both paths give the floats window → missing →
// normalize gives (test/agent/pipeline/prepare.test.ts checks it against that chain).
//
// Output is one array of windows per input (a pulled chunk of samples, or one live sample),
// emitted only when non-empty: the stages after it and the queue then handle a chunk's
// windows in one call each instead of one RxJS emission per window.
import type { OperatorFunction } from 'rxjs';
import type { Sample } from '../../sources/types.ts';
import type { BufferPool } from '../buffers.ts';
import type { PipelineCounters } from '../counters.ts';
import { NormalizedSampleRing } from '../sample-ring.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import type { ModelWindow, RawWindow } from '../types.ts';
import { createMissingStage, type MissingPolicy } from './missing.ts';
import { createNormalizeStage } from './normalize.ts';
import type { SampleInput } from './window.ts';

export interface PrepareOptions {
  /** samples per window (the model's T) */
  size: number;
  /** samples between window starts */
  hop: number;
  /** the model's per-channel training mean and std */
  mean: readonly number[];
  std: readonly number[];
  missing: MissingPolicy;
  /** windows cut (windows_in) and the missing-value counts */
  counters: PipelineCounters;
  /** where model inputs come from (inference gives them back); default: fresh each time */
  pool?: BufferPool<Float32Array>;
}

export function createPrepareStage(o: PrepareOptions): Stage<SampleInput, ModelWindow[]> {
  const { size, hop, counters } = o;
  if (!Number.isInteger(hop) || hop < 1 || hop > size) {
    throw new RangeError(`hop must be an integer in [1, ${size}], got ${hop}`);
  }
  const ring = new NormalizedSampleRing({ size, mean: o.mean, std: o.std });
  const cells = size * ring.channels;
  // The per-window path of a window with a non-finite value, exactly as the separate stages ran.
  const missing = createMissingStage(o.missing, {
    channels: ring.channels,
    fallback: o.mean,
    counters,
  });
  const normalize = createNormalizeStage({ mean: o.mean, std: o.std, pool: o.pool });
  const take = (): Float32Array =>
    o.pool && o.pool.length === cells ? o.pool.take() : new Float32Array(cells);

  let sinceLast = 0;
  let emitted = false;
  const one = (sample: Sample, out: ModelWindow[]): void => {
    ring.push(sample.t, sample.values);
    sinceLast++;
    // The first window is due as soon as T samples exist; later ones every H samples.
    if (ring.filled < size || (emitted && sinceLast < hop)) return;
    emitted = true;
    sinceLast = 0;
    counters.windowsIn++;
    if (ring.nonFinite === 0) {
      const x = take();
      ring.copyNormalized(x);
      out.push({ start: ring.start, end: ring.end, x });
      return;
    }
    const values = new Float64Array(cells);
    ring.copyRaw(values);
    const raw: RawWindow = { start: ring.start, end: ring.end, values };
    missing.push(raw, (repaired) => normalize.push(repaired, (w) => out.push(w)));
  };

  return {
    name: 'prepare',
    push(input, emit) {
      const out: ModelWindow[] = [];
      // A sample of the wrong width throws (counted by the stage wrapper, as the window stage
      // did); the windows cut before it in the chunk still go on.
      try {
        if (!Array.isArray(input)) one(input as Sample, out);
        else for (const sample of input as readonly Sample[]) one(sample, out);
      } finally {
        if (out.length > 0) emit(out);
      }
    },
  };
}

export const prepare = (
  o: PrepareOptions,
  registry: StageRegistry,
): OperatorFunction<SampleInput, ModelWindow[]> => runStage(createPrepareStage(o), registry);
