import { describe, expect, it } from 'vitest';
import { warmupBand } from '../../../agent/pipeline/band.ts';
import { PipelineCounters } from '../../../agent/pipeline/counters.ts';
import {
  createSummarizeStage,
  summarize,
  type Snapshot,
} from '../../../agent/pipeline/operators/summarize.ts';
import { RebaselineControl } from '../../../agent/pipeline/operators/level-shift.ts';
import { Sketches } from '../../../agent/pipeline/sketches.ts';
import type { InferredBatch } from '../../../agent/pipeline/types.ts';
import { createRng } from '../../../shared/random.ts';
import { marbles, recordingRegistry } from './helpers.ts';

const K = 3;

/** n windows of correlated latent vectors, with data times t0, t0+1, … */
function batch(n: number, t0: number, seed: number): InferredBatch {
  const rng = createRng(seed);
  const latent = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const f = rng.normal();
    for (let j = 0; j < K; j++) latent[i * K + j] = f + 0.5 * rng.normal();
  }
  return {
    n,
    k: K,
    latent,
    reconError: Float64Array.from({ length: n }, (_, i) => 0.1 + i / 1000),
    starts: Float64Array.from({ length: n }, (_, i) => t0 + i),
    ends: Float64Array.from({ length: n }, (_, i) => t0 + i + 9),
  };
}

function run(
  input: string,
  batches: Record<string, InferredBatch>,
  opts: { warmup: number; period: number },
) {
  const snaps: Snapshot[] = [];
  const { registry, errors } = recordingRegistry();
  marbles().run(({ cold }) => {
    cold(input, batches)
      .pipe(
        summarize(
          {
            sketches: new Sketches(K, { kind: 'sliding', size: 64 }),
            period: opts.period,
            warmup: opts.warmup,
            band: null,
            bandMeasure: 'quadratic',
            counters: new PipelineCounters(),
          },
          registry,
        ),
      )
      .subscribe((s) => snaps.push(s));
  });
  expect(errors).toEqual([]);
  return snaps;
}

describe('sketch and snapshot stage', () => {
  it('snapshots every P windows, even when a batch straddles the boundary', () => {
    const snaps = run(
      'ab|',
      { a: batch(25, 0, 1), b: batch(25, 25, 2) },
      { warmup: 20, period: 10 },
    );
    expect(snaps.map((s) => s.windows)).toEqual([10, 10, 10, 10, 10]);
    expect(snaps.map((s) => [s.window_start, s.window_end])).toEqual([
      [0, 18],
      [10, 28],
      [20, 38],
      [30, 48],
      [40, 58],
    ]);
  });

  it('is in warm-up (no drift, no band) until W windows, then live with a warm-up band', () => {
    const snaps = run(
      'abcd|',
      { a: batch(30, 0, 1), b: batch(30, 30, 2), c: batch(30, 60, 3), d: batch(30, 90, 4) },
      {
        warmup: 60,
        period: 10,
      },
    );
    const warm = snaps.filter((s) => s.phase === 'warmup');
    const live = snaps.filter((s) => s.phase === 'live');
    expect(warm).toHaveLength(6);
    expect(live).toHaveLength(6);
    for (const s of warm) {
      expect(s.band).toBeNull();
      expect(s.drift).toBeNull();
      expect(s.drift_note).toMatch(/warm-up/);
    }
    const values = warm.map((s) => s.measures!.quadratic);
    expect(live[0]!.band).toEqual(warmupBand('quadratic', values));
    for (const s of live) {
      expect(s.drift).toBeGreaterThanOrEqual(0);
      expect(s.band_value).toBe(s.measures!.quadratic);
    }
  });

  it('says how far the warm-up is (windows so far of W) while in it, and nothing once live', () => {
    const W = 60;
    const snaps = run(
      'abcd|',
      { a: batch(30, 0, 1), b: batch(30, 30, 2), c: batch(30, 60, 3), d: batch(30, 90, 4) },
      { warmup: W, period: 10 },
    );
    const warm = snaps.filter((s) => s.phase === 'warmup');
    // every snapshot covers `period` windows, so the n-th has seen n × period of them
    expect(warm.map((s) => s.warmup)).toEqual(
      warm.map((_, i) => ({ windows: (i + 1) * 10, of: W })),
    );
    for (const s of snaps.filter((x) => x.phase === 'live')) expect(s.warmup).toBeUndefined();
  });

  it('publishes the partial last period when the input ends', () => {
    const snaps = run('a|', { a: batch(25, 0, 1) }, { warmup: 100, period: 10 });
    expect(snaps.map((s) => s.windows)).toEqual([10, 10, 5]);
    expect(snaps[2]!.recon!.mean).toBeCloseTo(0.1 + 22 / 1000, 9);
  });

  it('drops a non-finite latent vector as a bad window', () => {
    const b = batch(10, 0, 1);
    b.latent[4] = Number.NaN;
    const counters = new PipelineCounters();
    const { registry } = recordingRegistry();
    const snaps: Snapshot[] = [];
    marbles().run(({ cold }) => {
      cold('a|', { a: b })
        .pipe(
          summarize(
            {
              sketches: new Sketches(K, { kind: 'forgetting', beta: 0.1 }),
              period: 5,
              warmup: 0,
              band: null,
              bandMeasure: 'tc',
              counters,
            },
            registry,
          ),
        )
        .subscribe((s) => snaps.push(s));
    });
    expect(counters.windowsBad).toBe(1);
    expect(snaps.map((s) => s.windows)).toEqual([5, 4]);
  });
});

describe('sketch and snapshot stage: re-baselines', () => {
  it('publishes a re-fit with the first snapshot reaching its time, though its own window is gone', () => {
    const control = new RebaselineControl();
    const stage = createSummarizeStage({
      sketches: new Sketches(K, { kind: 'sliding', size: 64 }),
      period: 10,
      warmup: 0,
      band: null,
      bandMeasure: 'quadratic',
      counters: new PipelineCounters(),
      rebaselines: control,
    });
    const snaps: Snapshot[] = [];
    // the level-shift stage ran ahead: a re-fit at data time 1005 (a window the queue
    // dropped: the windows here end at 1009, 1010, …), and one not yet due
    control.post({ at: 1005, reason: 'operator', shift: { a: 1 } });
    control.post({ at: 5000, reason: 'later', shift: { a: 2 } });
    stage.push(batch(30, 1000, 1), (s) => snaps.push(s));
    expect(snaps.map((s) => s.rebaseline?.reason ?? null)).toEqual(['operator', null, null]);
    stage.flush!((s) => snaps.push(s));
    stage.push(batch(5, 2000, 2), (s) => snaps.push(s));
    stage.flush!((s) => snaps.push(s));
    // the end of the data publishes what is left
    expect(snaps.at(-1)!.rebaseline?.reason).toBe('later');
  });
});

describe('warm-up band', () => {
  it('is the median ± max(4·1.4826·MAD, 10 % of |median|)', () => {
    expect(warmupBand('tc', [1, 2, 3, 4, 100])).toEqual({
      measure: 'tc',
      low: 3 - 4 * 1.4826,
      center: 3,
      high: 3 + 4 * 1.4826,
      source: 'warmup',
    });
    // no spread: the 10 % floor
    expect(warmupBand('tc', [2, 2, 2])).toMatchObject({ low: 1.8, center: 2, high: 2.2 });
    expect(warmupBand('tc', [])).toBeNull();
  });
});

describe('sketch and snapshot stage: attribution', () => {
  /** a batch whose masked cells err by `errs[c]` on channel c (4 hidden cells per channel) */
  function withErrors(n: number, t0: number, errs: number[]): InferredBatch {
    const b = batch(n, t0, t0 + 1);
    const c = errs.length;
    b.channelErrors = {
      channels: ['a', 'b', 'c'],
      sum: Float64Array.from({ length: n * c }, (_, i) => 4 * errs[i % c]!),
      hidden: new Float64Array(n * c).fill(4),
    };
    if (t0 >= 20) {
      b.attributions = [{ at: t0 + 9, value: { drift_mean: [{ channel: 'a', share: 1 }] } }];
    }
    return b;
  }

  it('names the channel whose error rose over its warm-up level, and passes the input readings on', () => {
    const snaps = run(
      'abc|',
      {
        a: withErrors(20, 0, [1, 2, 1]),
        // channel c errs more than in the warm-up, b as much as ever (its level is higher)
        b: withErrors(10, 20, [1, 2, 3]),
        c: withErrors(10, 30, [1.5, 2, 1]),
      },
      { warmup: 20, period: 10 },
    );
    expect(snaps.map((s) => s.attribution)).toEqual([
      undefined,
      undefined,
      { drift_mean: [{ channel: 'a', share: 1 }], recon: [{ channel: 'c', share: 1 }] },
      { drift_mean: [{ channel: 'a', share: 1 }], recon: [{ channel: 'a', share: 1 }] },
    ]);
  });
});

describe('sketch and snapshot stage: attribution only where needed', () => {
  it('asks for the input coupling only when the band value strays from the center', () => {
    let asked = 0;
    const coupling = () => (asked++, [{ channel: 'a', delta: -1 }]);
    const stage = createSummarizeStage({
      sketches: new Sketches(K, { kind: 'sliding', size: 64 }),
      period: 10,
      warmup: 10,
      // far wider than the latent's values (quadratic ≈ 1): they sit at the center…
      band: { measure: 'quadratic', low: -1000, center: 0, high: 1000, source: 'config' },
      bandMeasure: 'quadratic',
      counters: new PipelineCounters(),
    });
    const snaps: Snapshot[] = [];
    const b = batch(20, 0, 1);
    b.attributions = [{ at: 18, value: { coupling } }];
    stage.push(b, (s) => snaps.push(s));
    expect(snaps.at(-1)!.phase).toBe('live');
    expect(snaps.at(-1)!.attribution).toBeUndefined();
    expect(asked).toBe(0);
    // …and far outside a narrow one
    const narrow = createSummarizeStage({
      sketches: new Sketches(K, { kind: 'sliding', size: 64 }),
      period: 10,
      warmup: 10,
      band: { measure: 'quadratic', low: 1e-6, center: 2e-6, high: 3e-6, source: 'config' },
      bandMeasure: 'quadratic',
      counters: new PipelineCounters(),
    });
    const out: Snapshot[] = [];
    narrow.push(b, (s) => out.push(s));
    expect(out.at(-1)!.attribution).toEqual({ coupling: [{ channel: 'a', delta: -1 }] });
    expect(asked).toBe(1);
  });
});
