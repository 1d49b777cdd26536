// Shared helpers of the pipeline tests: a TestScheduler wired to vitest, and samples.
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { StageRegistry } from '../../../agent/pipeline/stage.ts';
import type { Sample } from '../../../agent/sources/types.ts';

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
