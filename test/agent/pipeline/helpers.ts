// Shared helpers of the pipeline tests: a TestScheduler wired to vitest, and samples.
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { StageRegistry } from '../../../agent/pipeline/stage.ts';
import type { Sample } from '../../../agent/sources/types.ts';
import {
  createLevelShiftStage,
  type LevelShiftOptions,
} from '../../../agent/pipeline/operators/level-shift.ts';
import type { ModelWindow } from '../../../agent/pipeline/types.ts';
import { createRng, type Rng } from '../../../shared/random.ts';

export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export function sample(t: number, ...values: number[]): Sample {
  return { t, values: Float64Array.from(values) };
}

export function recordingRegistry(): { registry: StageRegistry; errors: Array<[string, unknown]> } {
  const errors: Array<[string, unknown]> = [];
  return { registry: new StageRegistry((stage, e) => errors.push([stage, e])), errors };
}

/**
 * The level-shift stage's three-channel case: a and b share a source, c is independent; one
 * window per sample, 700 samples, `fault` applied to each from sample 450 on.
 */
export const THREE_CHANNELS: LevelShiftOptions = {
  window: 1,
  channels: 3,
  hop: 1,
  watch: [0, 1, 2],
  watchNames: ['a', 'b', 'c'],
  meanWindow: 10,
  fitWindows: 200,
  warmupWindows: 400,
  readEvery: 5,
};

export function runThreeChannels(
  o: LevelShiftOptions,
  fault: (x: [number, number, number], rng: Rng) => void = () => {},
): ModelWindow[] {
  const stage = createLevelShiftStage(o);
  const rng = createRng(7);
  const out: ModelWindow[] = [];
  for (let i = 0; i < 700; i++) {
    const s = rng.normal();
    const x: [number, number, number] = [
      s + 0.1 * rng.normal(),
      s + 0.1 * rng.normal(),
      rng.normal(),
    ];
    if (i >= 450) fault(x, rng);
    stage.push({ start: i, end: i, x: Float32Array.from(x) }, (w) => out.push(w));
  }
  return out;
}
