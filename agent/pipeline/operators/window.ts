// Windowing: cuts the sample stream into windows of T samples, a new one every H samples
// (H ≤ T, so windows overlap by T − H). T comes from the model, H from the config.
// The pipeline cuts windows in prepare.ts (per sample, normalized once); this raw-window stage
// is the reference prepare is tested against, window → missing → normalize bit for bit.
import type { OperatorFunction } from 'rxjs';
import type { Sample } from '../../sources/types.ts';
import type { BufferPool } from '../buffers.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import type { RawWindow } from '../types.ts';

export interface WindowOptions {
  /** samples per window (the model's T) */
  size: number;
  /** samples between window starts */
  hop: number;
  channels: number;
  /** where window buffers come from (normalize gives them back); default: fresh each time */
  pool?: BufferPool<Float64Array>;
}

/** One sample, or a chunk of them (a pulled replay): one stage call per chunk, not per sample. */
export type SampleInput = Sample | readonly Sample[];

export function createWindowStage(opts: WindowOptions): Stage<SampleInput, RawWindow> {
  const { size, hop, channels } = opts;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`window size must be ≥ 1, got ${size}`);
  if (!Number.isInteger(hop) || hop < 1 || hop > size) {
    throw new RangeError(`hop must be an integer in [1, ${size}], got ${hop}`);
  }
  // A ring of the last T samples; a window is copied out in time order when it is due.
  const ring = new Float64Array(size * channels);
  const times = new Float64Array(size);
  let head = 0;
  let filled = 0;
  let sinceLast = 0;
  let emitted = false;
  const one = (sample: Sample, emit: (w: RawWindow) => void): void => {
    if (sample.values.length !== channels) {
      throw new RangeError(`sample has ${sample.values.length} values, expected ${channels}`);
    }
    ring.set(sample.values, head * channels);
    times[head] = sample.t;
    head = (head + 1) % size;
    if (filled < size) filled++;
    sinceLast++;
    // The first window is due as soon as T samples exist; later ones every H samples.
    if (filled < size || (emitted && sinceLast < hop)) return;
    emitted = true;
    sinceLast = 0;
    const values = opts.pool ? opts.pool.take() : new Float64Array(size * channels);
    const tail = (size - head) * channels;
    values.set(ring.subarray(head * channels), 0);
    values.set(ring.subarray(0, head * channels), tail);
    emit({ start: times[head]!, end: times[(head + size - 1) % size]!, values });
  };
  return {
    name: 'window',
    push(input, emit) {
      if (!Array.isArray(input)) return one(input as Sample, emit);
      for (const sample of input as readonly Sample[]) one(sample, emit);
    },
  };
}

export const windowing = (
  opts: WindowOptions,
  registry: StageRegistry,
): OperatorFunction<SampleInput, RawWindow> => runStage(createWindowStage(opts), registry);
