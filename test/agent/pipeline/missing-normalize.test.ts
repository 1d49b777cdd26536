import { describe, expect, it } from 'vitest';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import { missingValues, type MissingPolicy } from '../../../agent/pipeline/operators/missing.ts';
import { normalize } from '../../../agent/pipeline/operators/normalize.ts';
import type { RawWindow } from '../../../agent/pipeline/types.ts';
import { marbles, recordingRegistry } from './helpers.ts';

const raw = (...values: number[]): RawWindow => ({
  start: 0,
  end: 1,
  values: Float64Array.from(values),
});

function runMissing(
  policy: MissingPolicy,
  windows: Record<string, RawWindow>,
  input: string,
  expected: string,
  out: Record<string, RawWindow>,
) {
  const counters = new PipelineCounters();
  const { registry } = recordingRegistry();
  marbles().run(({ cold, expectObservable }) => {
    const result = cold(input, windows).pipe(
      missingValues(policy, { channels: 2, fallback: [100, 200], counters }, registry),
    );
    expectObservable(result).toBe(expected, out);
  });
  return counters;
}

describe('missing-value policy', () => {
  // [T=3, C=2] windows: rows (ch0, ch1)
  const clean = raw(1, 2, 3, 4, 5, 6);
  const holey = raw(1, Number.NaN, Number.NaN, 4, 5, Number.NaN);
  const deadChannel = raw(Number.NaN, 2, Number.NaN, 4, Number.NaN, 6);

  it('skip: drops windows with a missing value and counts them', () => {
    const c = runMissing({ policy: 'skip' }, { a: clean, b: holey, c: clean }, 'abc|', 'a-c|', {
      a: clean,
      c: clean,
    });
    expect(c).toMatchObject({ windowsBad: 1, samplesImputed: 0 });
  });

  it('impute last: carries the previous value forward, else the window mean', () => {
    const c = runMissing({ policy: 'impute', fill: 'last' }, { b: holey }, 'b|', 'b|', {
      // ch0: row 1 takes row 0's 1; ch1: row 0 has no predecessor → channel mean 4; row 2 → 4
      b: raw(1, 4, 1, 4, 5, 4),
    });
    expect(c).toMatchObject({ windowsBad: 1, samplesImputed: 3 });
  });

  it('impute mean: the channel mean of the window', () => {
    const c = runMissing({ policy: 'impute', fill: 'mean' }, { b: holey }, 'b|', 'b|', {
      b: raw(1, 4, 3, 4, 5, 4),
    });
    expect(c).toMatchObject({ windowsBad: 1, samplesImputed: 3 });
  });

  it('a channel missing from the whole window takes the model mean', () => {
    runMissing({ policy: 'impute', fill: 'last' }, { d: deadChannel }, 'd|', 'd|', {
      d: raw(100, 2, 100, 4, 100, 6),
    });
  });

  it('passes clean windows through untouched and uncounted', () => {
    const c = runMissing({ policy: 'impute', fill: 'last' }, { a: clean }, 'a|', 'a|', {
      a: clean,
    });
    expect(c).toMatchObject({ windowsBad: 0, samplesImputed: 0 });
  });
});

describe('normalization', () => {
  it('applies (x − mean) / std per channel, as float32', () => {
    const { registry } = recordingRegistry();
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('a|', { a: raw(1, 10, 3, 30) }).pipe(
        normalize({ mean: [1, 20], std: [2, 10] }, registry),
      );
      expectObservable(out).toBe('a|', {
        a: { start: 0, end: 1, x: Float32Array.from([0, -1, 1, 1]) },
      });
    });
  });
});
