// The fleet view of one device (summary.ts deviceView): what the dashboard and /api/fleet show.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../collector/config.ts';
import { evaluate, initialDeviceState } from '../../collector/rules/evaluate.ts';
import { deviceView } from '../../collector/summary.ts';
import { metrics } from './fixtures.ts';

const rules = parseConfig({ rules: { silent: false } }).rules;
const LIMITS = { drift: 0.5, drift_mean: 2, recon_mean: 0.5 };

describe('deviceView', () => {
  it('names a rule holding a settled level, and the device’s re-baselines', () => {
    let state = initialDeviceState('f1', 'd1');
    const step = (t: number, drift_mean: number, extra: object = {}) => {
      const m = { ...metrics({ t, seq: t, drift_mean, limits: LIMITS }), ...extra };
      const obs = {
        kind: 'metrics' as const,
        metrics: m,
        rules,
        silences: [],
        forecast: { points: 16, min_points: 3 },
      };
      state = evaluate(state, obs, t).state;
    };
    // fires (3 of 5), then settles under half its level for 3 readings: resolved and held
    for (const [t, v] of [
      [1, 10],
      [2, 10],
      [3, 10],
      [4, 4],
      [5, 4],
      [6, 4],
    ] as const)
      step(t * 10_000, v);
    expect(deviceView(state, rules, { min_points: 5 }).held).toEqual([
      { rule: 'level-shift', level: 10 },
    ]);
    expect(deviceView(state, rules, { min_points: 5 }).status).toBe('ok');
    // the device re-baselines: drift_mean drops, the hold ends, the re-fit is listed
    const rebaseline = { at: 70_000, reason: 'operator: bob', shift: { flow: -2 } };
    step(70_000, 0.1, { rebaseline });
    const v = deviceView(state, rules, { min_points: 5 });
    expect(v.held).toEqual([]);
    expect(v.rebaselines).toEqual([rebaseline]);
  });
});
