// coupling_shift of the level-shift stage (opt-in): on every reading after the warm-up, with
// the limit calibrated on the held-out readings; absent when not enabled.
import { describe, expect, it } from 'vitest';
import type { ModelWindow } from '../../../agent/pipeline/types.ts';
import { runThreeChannels, THREE_CHANNELS } from './helpers.ts';

const three = THREE_CHANNELS;
const on = { ...three, couplingShift: { window: 100 } };

const run = runThreeChannels;
const shifts = (out: ModelWindow[]) =>
  out.flatMap((w) => (w.attribution?.coupling_shift ? [w.attribution.coupling_shift] : []));

describe('level-shift stage: coupling_shift', () => {
  it('is absent unless enabled', () => {
    expect(shifts(run(three))).toEqual([]);
  });

  it('is on every reading after the warm-up, with the held-out limit', () => {
    const out = run(on);
    out.forEach((w, i) => {
      const reading = (i + 1) % 5 === 0 && i + 1 > 400;
      expect(w.attribution?.coupling_shift !== undefined).toBe(reading);
    });
    const s = shifts(out);
    expect(s).toHaveLength(60);
    const limit = s[0]!.limit!;
    expect(limit).toBeGreaterThan(0);
    for (const r of s) {
      expect(r.limit).toBe(limit);
      expect(r.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('rises past its limit when a channel decouples, and names it in the coupling', () => {
    const s = run(on, (x, rng) => (x[1] = rng.normal()));
    const last = s.at(-1)!.attribution!;
    expect(last.coupling_shift!.value).toBeGreaterThan(3 * last.coupling_shift!.limit!);
    expect(last.coupling!()![0]!.channel).toBe('b');
  });

  it('does not see a level shift (drift_mean does)', () => {
    const healthy = shifts(run(on)).at(-1)!.value;
    const out = run(on, (x) => (x[2] += 3));
    const last = out.at(-1)!.attribution!;
    // the step itself passed through the forgetting estimate 250 samples (2.5 memories) ago
    const { value, limit } = last.coupling_shift!;
    expect(value).toBeLessThan(limit!);
    expect(Math.abs(value - healthy)).toBeLessThan(0.1 * limit!);
    expect(last.drift_mean![0]!.channel).toBe('c');
  });

  it('never looks past the warm-up, and the floor holds the limit', () => {
    const limit = shifts(run(on))[0]!.limit;
    expect(shifts(run(on, (x) => (x[0] *= -1)))[0]!.limit).toBe(limit);
    const floored = shifts(run({ ...three, couplingShift: { window: 100, floor: 1e3 } }));
    expect(floored[0]!.limit).toBe(1e3);
  });

  it('leaves drift_mean and its attribution as they are without it', () => {
    const fault = (x: [number, number, number]) => (x[2] += 3);
    const a = run(three, fault).map((w) => [w.driftMean, w.attribution?.drift_mean]);
    const b = run({ ...three, couplingShift: { window: 100 } }, fault).map((w) => [
      w.driftMean,
      w.attribution?.drift_mean,
    ]);
    expect(b).toEqual(a);
  });
});
