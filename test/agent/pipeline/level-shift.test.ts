import { describe, expect, it } from 'vitest';
import {
  createLevelShiftStage,
  RebaselineControl,
  type LevelShiftOptions,
} from '../../../agent/pipeline/operators/level-shift.ts';
import type { ModelWindow } from '../../../agent/pipeline/types.ts';
import type { EpisodePolicy } from '../../../shared/detect/episode.ts';
import { runThreeChannels, THREE_CHANNELS } from './helpers.ts';

// One channel, T = 1, hop 1: a window per sample, so window i is sample i.
const policy: EpisodePolicy = {
  confirm: { n: 3, m: 5 },
  clearReadings: 3,
  settleFraction: 0.5,
  clearFraction: 0.8,
  rebaselineAfterMs: 10_000,
};
const base: LevelShiftOptions = {
  window: 1,
  channels: 1,
  hop: 1,
  watch: [0],
  watchNames: ['flow'],
  meanWindow: 1,
  fitWindows: 40,
  warmupWindows: 80,
  limitMargin: 1,
  episodes: policy,
};

/**
 * Healthy noise (±1, a period of 4) for the warm-up, then `after`; one sample a second. The
 * windows after the warm-up, and the re-fits the stage posted, each with its window's index.
 */
function feed(o: LevelShiftOptions, after: number[], control = new RebaselineControl()) {
  const stage = createLevelShiftStage({ ...o, control });
  const noise = [1, -1, 0.5, -0.5];
  const samples = [...Array.from({ length: 80 }, (_, i) => noise[i % 4]!), ...after];
  const out: ModelWindow[] = [];
  samples.forEach((v, i) =>
    stage.push({ start: i * 1000, end: i * 1000, x: Float32Array.of(v) }, (w) => out.push(w)),
  );
  const events = control.due(Infinity).map((e) => ({ i: e.at / 1000 - 80, ...e }));
  return { out: out.slice(80), events };
}

describe('level-shift stage: episodes and re-baselines', () => {
  it('re-fits the baseline some time after an episode settled at a new level', () => {
    // a fault at 8, then the process settles at 3 (above the limit, under half the level)
    const { out, events } = feed(base, [...Array(20).fill(8), ...Array(40).fill(3)]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    // settled after 3 readings at 3 (i = 22), re-fitted 10 s later
    expect(e.i).toBe(32);
    expect(e.reason).toMatch(/^automatic: the episode of \d+ s settled at a new level$/);
    // fit noise: mean 0, unbiased variance 25/39; the accepted level 3
    expect(e.shift.flow).toBeCloseTo(3 / Math.sqrt(25 / 39), 4);
    expect(out[e.i]!.driftMean).toBe(0);
    expect(out.at(-1)!.driftMean).toBe(0);
  });

  it('in manual mode waits for the operator, then re-fits at the next window', () => {
    const manual = { ...base, episodes: { ...policy, rebaselineAfterMs: null } };
    const waiting = feed(manual, [...Array(20).fill(8), ...Array(40).fill(3)]);
    expect(waiting.events).toEqual([]);
    expect(waiting.out.at(-1)!.driftMean).toBeGreaterThan(1);

    const asked = new RebaselineControl();
    asked.request('operator alice');
    const { out, events } = feed(manual, [...Array(20).fill(8), 3], asked);
    // the request was taken at the first live window
    expect(events.map((e) => [e.i, e.reason])).toEqual([[0, 'operator alice']]);
    expect(out[0]!.driftMean).toBe(0);
  });

  it('a fault that persists at its level is never accepted', () => {
    const { out, events } = feed(base, Array(120).fill(8));
    expect(events).toEqual([]);
    expect(out.at(-1)!.driftMean).toBeGreaterThan(10);
  });

  it('adapts to slow wander while quiet, not while an episode holds the baseline', () => {
    const ramp = Array.from({ length: 300 }, (_, i) => (i / 300) * 0.8);
    const frozen = feed({ ...base, adaptWindow: 0 }, ramp).out.at(-1)!.driftMean!;
    const adapting = feed({ ...base, adaptWindow: 20 }, ramp).out.at(-1)!.driftMean!;
    expect(adapting).toBeLessThan(frozen / 10);
    // a step to 8 is held: the statistic does not decay while the episode is open
    const step = feed({ ...base, adaptWindow: 20 }, Array(200).fill(8)).out;
    expect(step.at(-1)!.driftMean!).toBeCloseTo(step[10]!.driftMean!, 6);
  });
});

describe('level-shift stage: attribution', () => {
  const three: LevelShiftOptions = { ...THREE_CHANNELS, couplingWindow: 100 };
  const run = (fault: Parameters<typeof runThreeChannels>[1]) => runThreeChannels(three, fault);

  it('is set on reading windows after the warm-up only; drift_mean only when it is high', () => {
    const out = run(() => {});
    out.forEach((w, i) => {
      const reading = (i + 1) % 5 === 0 && i + 1 > 400;
      expect(w.attribution !== undefined).toBe(reading);
    });
    const quiet = out.filter((w) => w.attribution && !w.attribution.drift_mean);
    expect(quiet.length).toBeGreaterThan(0);
    // the coupling is computed when asked, ranked by |change|
    const c = out.at(-1)!.attribution!.coupling!()!;
    expect(c).toHaveLength(3);
    const size = c.map((x) => Math.abs(x.delta));
    expect(size).toEqual([...size].sort((x, y) => y - x));
  });

  it('names the shifted channel in drift_mean', () => {
    const out = run((x) => (x[2] += 3));
    const a = out.at(-1)!.attribution!;
    expect(a.drift_mean![0]).toMatchObject({ channel: 'c' });
    expect(a.drift_mean![0]!.share).toBeGreaterThan(0.9);
    const shares = a.drift_mean!.map((x) => x.share);
    expect(shares).toEqual([...shares].sort((x, y) => y - x));
  });

  it('names a decoupled channel first in the coupling, with a drop', () => {
    const out = run((x, rng) => (x[1] = rng.normal()));
    const top = out.at(-1)!.attribution!.coupling!()![0]!;
    expect(top.channel).toBe('b');
    expect(top.delta).toBeLessThan(-1);
  });

  it('leaves the coupling out for a single watched channel', () => {
    const stage = createLevelShiftStage({ ...base, readEvery: 1 });
    const out: ModelWindow[] = [];
    for (let i = 0; i < 100; i++) {
      stage.push({ start: i, end: i, x: Float32Array.of(i > 90 ? 5 : i % 2) }, (w) => out.push(w));
    }
    expect(out.at(-1)!.attribution).toEqual({ drift_mean: [{ channel: 'flow', share: 1 }] });
  });
});
