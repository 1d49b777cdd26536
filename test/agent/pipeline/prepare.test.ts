import { describe, expect, it } from 'vitest';
import { float32Pool } from '../../../agent/pipeline/buffers.ts';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import {
  createMissingStage,
  type MissingPolicy,
} from '../../../agent/pipeline/operators/missing.ts';
import { createNormalizeStage } from '../../../agent/pipeline/operators/normalize.ts';
import { createPrepareStage } from '../../../agent/pipeline/operators/prepare.ts';
import { createWindowStage } from '../../../agent/pipeline/operators/window.ts';
import type { ModelWindow } from '../../../agent/pipeline/types.ts';
import { Rng } from '../../../shared/random.ts';
import type { Sample } from '../../../agent/sources/types.ts';
import { sample } from './helpers.ts';

const MEAN = [0.3, -2, 17.25];
const STD = [1.7, 0.01, 40];

/** Samples with wandering values and, at `holes` rate, NaN / ±∞ cells. */
function stream(n: number, seed: number, holes: number): Sample[] {
  const rng = new Rng(seed);
  const out: Sample[] = [];
  for (let t = 0; t < n; t++) {
    const v = MEAN.map((m, ch) => m + STD[ch]! * (rng.next() * 4 - 2));
    for (let ch = 0; ch < v.length; ch++) {
      const u = rng.next();
      if (u < holes) v[ch] = u < holes / 3 ? Number.POSITIVE_INFINITY : Number.NaN;
    }
    out.push(sample(1000 * t, ...v));
  }
  return out;
}

/** The reference: the separate window → missing → normalize stages, one sample at a time. */
function reference(samples: Sample[], size: number, hop: number, policy: MissingPolicy) {
  const counters = new PipelineCounters();
  const win = createWindowStage({ size, hop, channels: MEAN.length });
  const missing = createMissingStage(policy, { channels: MEAN.length, fallback: MEAN, counters });
  const norm = createNormalizeStage({ mean: MEAN, std: STD });
  const out: ModelWindow[] = [];
  for (const s of samples) {
    win.push(s, (w) => {
      counters.windowsIn++;
      missing.push(w, (m) => norm.push(m, (x) => out.push(x)));
    });
  }
  return { out, counters };
}

function prepared(
  samples: Sample[],
  size: number,
  hop: number,
  policy: MissingPolicy,
  chunk: number,
) {
  const counters = new PipelineCounters();
  const stage = createPrepareStage({ size, hop, mean: MEAN, std: STD, missing: policy, counters });
  const out: ModelWindow[] = [];
  for (let i = 0; i < samples.length; i += chunk) {
    const input = chunk === 1 ? samples[i]! : samples.slice(i, i + chunk);
    stage.push(input, (ws) => {
      expect(ws.length).toBeGreaterThan(0);
      out.push(...ws);
    });
  }
  return { out, counters };
}

describe('prepare stage (window + missing values + normalize, per sample)', () => {
  const policies: MissingPolicy[] = [
    { policy: 'skip' },
    { policy: 'impute', fill: 'last' },
    { policy: 'impute', fill: 'mean' },
  ];
  for (const policy of policies) {
    for (const [size, hop] of [
      [8, 1],
      [8, 3],
      [5, 5],
      [1, 1],
    ] as const) {
      it(`gives the separate stages' floats bit for bit: ${JSON.stringify(policy)}, T=${size}, H=${hop}`, () => {
        const samples = stream(400, size * 31 + hop, 0.01);
        const ref = reference(samples, size, hop, policy);
        expect(ref.counters.windowsBad).toBeGreaterThan(0);
        for (const chunk of [1, 7, 256]) {
          const got = prepared(samples, size, hop, policy, chunk);
          expect(got.out.length).toBe(ref.out.length);
          for (let i = 0; i < ref.out.length; i++) {
            expect(got.out[i]!.start).toBe(ref.out[i]!.start);
            expect(got.out[i]!.end).toBe(ref.out[i]!.end);
            expect(got.out[i]!.x).toEqual(ref.out[i]!.x);
          }
          expect(got.counters).toMatchObject({
            windowsIn: ref.counters.windowsIn,
            windowsBad: ref.counters.windowsBad,
            samplesImputed: ref.counters.samplesImputed,
          });
        }
      });
    }
  }

  it('takes clean windows from the pool and emits nothing until a window is due', () => {
    const pool = float32Pool(2 * MEAN.length);
    const given = new Float32Array(2 * MEAN.length);
    pool.give(given);
    const counters = new PipelineCounters();
    const stage = createPrepareStage({
      size: 2,
      hop: 1,
      mean: MEAN,
      std: STD,
      missing: { policy: 'skip' },
      counters,
      pool,
    });
    const emitted: ModelWindow[][] = [];
    stage.push(sample(0, 1, 2, 3), (ws) => emitted.push(ws));
    expect(emitted).toHaveLength(0);
    stage.push(sample(1, 1, 2, 3), (ws) => emitted.push(ws));
    expect(emitted[0]![0]!.x).toBe(given);
  });

  it('a sample of the wrong width throws, and the windows cut before it are still emitted', () => {
    const counters = new PipelineCounters();
    const stage = createPrepareStage({
      size: 1,
      hop: 1,
      mean: [0],
      std: [1],
      missing: { policy: 'skip' },
      counters,
    });
    const emitted: ModelWindow[][] = [];
    expect(() =>
      stage.push([sample(0, 1), sample(1, 2), sample(2, 1, 2), sample(3, 4)], (ws) =>
        emitted.push(ws),
      ),
    ).toThrow(/expected 1/);
    expect(emitted.map((ws) => ws.map((w) => w.x[0]))).toEqual([[1, 2]]);
  });

  it('rejects a hop longer than the window', () => {
    const o = { mean: [0], std: [1], missing: { policy: 'skip' as const } };
    expect(() =>
      createPrepareStage({ ...o, size: 4, hop: 5, counters: new PipelineCounters() }),
    ).toThrow(/hop/);
  });
});
