// health.samples_imputed counts imputed samples, not window cells: a sample sits in up to
// T / H overlapping windows and is repaired in each, but it is one imputed sample.
import { describe, expect, it } from 'vitest';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import type { MissingPolicy } from '../../../agent/pipeline/operators/missing.ts';
import { createPrepareStage } from '../../../agent/pipeline/operators/prepare.ts';
import type { Sample } from '../../../agent/sources/types.ts';
import { Rng } from '../../../shared/random.ts';
import { sample } from './helpers.ts';

const MEAN = [0.3, -2, 17.25];
const STD = [1.7, 0.01, 40];
const IMPUTE: MissingPolicy = { policy: 'impute', fill: 'last' };

function stream(n: number, seed: number, holes: number, constant = false): Sample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, t) => {
    const v = MEAN.map((m, ch) => (constant ? m : m + STD[ch]! * (rng.next() * 4 - 2)));
    for (let ch = 0; ch < v.length; ch++) if (rng.next() < holes) v[ch] = Number.NaN;
    return sample(1000 * t, ...v);
  });
}

function imputed(samples: Sample[], size: number, hop: number, policy = IMPUTE): number {
  const counters = new PipelineCounters();
  const stage = createPrepareStage({ size, hop, mean: MEAN, std: STD, missing: policy, counters });
  stage.push(samples, () => undefined);
  return counters.samplesImputed;
}

/** NaN cells of the samples some window holds (windows start every `hop` and need `size`). */
function truth(samples: Sample[], size: number, hop: number): number {
  const covered = new Set<number>();
  for (let start = 0; start + size <= samples.length; start += hop)
    for (let i = start; i < start + size; i++) covered.add(i);
  let n = 0;
  for (const i of covered) n += samples[i]!.values.filter(Number.isNaN).length;
  return n;
}

describe('samples_imputed', () => {
  it('counts one bad cell once, however many windows hold it', () => {
    const samples = stream(100, 1, 0);
    samples[50]!.values[1] = Number.NaN;
    expect(imputed(samples, 32, 1)).toBe(1);
    expect(imputed(samples, 8, 3)).toBe(1);
    expect(imputed(samples, 5, 5)).toBe(1);
    expect(imputed(samples, 32, 1, { policy: 'skip' })).toBe(0);
  });

  for (const [size, hop] of [
    [32, 1],
    [8, 3],
    [5, 5],
    [6, 4],
  ] as const) {
    it(`equals the bad cells of the windowed samples: T=${size}, H=${hop}`, () => {
      for (const holes of [0.002, 0.02, 0.2]) {
        const samples = stream(600, size * 7 + hop, holes);
        expect(imputed(samples, size, hop)).toBe(truth(samples, size, hop));
      }
    });
  }

  it('never counts more than there are, even on rows that repeat exactly', () => {
    const samples = stream(300, 3, 0.05, true);
    const got = imputed(samples, 8, 3);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(truth(samples, 8, 3));
  });
});
