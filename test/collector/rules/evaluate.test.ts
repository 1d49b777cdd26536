// Table-driven step tests of the pure evaluator: each step is one observation at an explicit
// time; the expected transitions are written `rule from→to`, with ` resend` for re-sends and
// ` [held]` for transitions whose notification is suppressed.
import { describe, expect, it } from 'vitest';
import { evaluate, initialDeviceState } from '../../../collector/rules/evaluate.ts';
import { deviceForecast } from '../../../collector/rules/forecast.ts';
import { metrics, rulesFrom } from '../fixtures.ts';
import { only, run, S, silence, type Case } from './evaluate-run.ts';

// Band [1, 3]; clear margin 10 % of the width: over-coupling clears at ≤ 2.8.
const cases: Case[] = [
  {
    name: 'for (duration): pending, then firing once held for 30 s of data time; hysteresis, then resolved',
    rules: only('over-coupling', { for: '30s' }),
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→pending']],
      [{ m: 10 * S, value: 3.6 }, []],
      [{ m: 20 * S, value: 3.7 }, []],
      [{ m: 30 * S, value: 3.8 }, ['over-coupling pending→firing']],
      [{ m: 40 * S, value: 2.9 }, []],
      [{ m: 50 * S, value: 2.5 }, ['over-coupling firing→resolved']],
    ],
    final: ['over-coupling', 'inactive'],
  },
  {
    name: 'for (duration): one reading back inside ends the pending episode',
    rules: only('over-coupling', { for: '30s' }),
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→pending']],
      [{ m: 10 * S, value: 2.9 }, ['over-coupling pending→resolved']],
      [{ m: 20 * S, value: 3.5 }, ['over-coupling inactive→pending']],
    ],
  },
  {
    name: 'N-of-M (3 of 5): fires on the third breach among five readings',
    rules: only('over-compression', { for: { readings: 3, of: 5 } }),
    steps: [
      [{ m: 0, value: 0.5 }, ['over-compression inactive→pending']],
      [{ m: 10 * S, value: 1.5 }, []],
      [{ m: 20 * S, value: 0.5 }, []],
      [{ m: 30 * S, value: 1.5 }, []],
      [{ m: 40 * S, value: 0.5 }, ['over-compression pending→firing']],
    ],
    final: ['over-compression', 'firing'],
  },
  {
    name: 'N-of-M: pending ends when the window holds no breach',
    rules: only('over-compression', { for: { readings: 3, of: 3 } }),
    steps: [
      [{ m: 0, value: 0.5 }, ['over-compression inactive→pending']],
      [{ m: 10 * S, value: 1.5 }, []],
      [{ m: 20 * S, value: 1.5 }, []],
      [{ m: 30 * S, value: 1.5 }, ['over-compression pending→resolved']],
    ],
    final: ['over-compression', 'inactive'],
  },
  {
    name: 'clear_for: the clear condition must hold 20 s; the hysteresis zone restarts it',
    rules: only('over-coupling', { for: 0, clear_for: '20s' }),
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→firing']],
      [{ m: 10 * S, value: 2 }, []],
      [{ m: 20 * S, value: 2.9 }, []],
      [{ m: 30 * S, value: 2 }, []],
      [{ m: 40 * S, value: 2 }, []],
      [{ m: 50 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
  },
  {
    name: 'keep_firing_for: stays firing 30 s after the last breach',
    rules: only('over-coupling', { for: 0, keep_firing_for: '30s' }),
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→firing']],
      [{ m: 10 * S, value: 2 }, []],
      [{ m: 20 * S, value: 3.5 }, []],
      [{ m: 40 * S, value: 2 }, []],
      [{ m: 50 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
  },
  {
    name: 'resend_interval: a firing alert is re-sent every minute of data time',
    rules: only('drift', { for: 0, resend_interval: '1m', threshold: 1, clear_threshold: 0.5 }),
    steps: [
      [{ m: 0, drift: 2 }, ['drift inactive→firing']],
      [{ m: 30 * S, drift: 2 }, []],
      [{ m: 60 * S, drift: 2 }, ['drift firing→firing resend']],
      [{ m: 90 * S, drift: 2 }, []],
      [{ m: 120 * S, drift: 2 }, ['drift firing→firing resend']],
      [{ m: 130 * S, drift: 0.1 }, ['drift firing→resolved']],
    ],
  },
  {
    name: 'recon-error on recon.mean with an absolute clear threshold',
    rules: only('recon-error', { for: 0, threshold: 1, clear_threshold: 0.5 }),
    steps: [
      [{ m: 0, recon: 1.2 }, ['recon-error inactive→firing']],
      [{ m: 10 * S, recon: 0.7 }, []],
      [{ m: 20 * S, recon: 0.4 }, ['recon-error firing→resolved']],
    ],
  },
  {
    name: 'a null band value noted as +∞ counts as above the band (collapse)',
    rules: only('over-coupling', { for: 0 }),
    steps: [
      [{ m: 0, infinite: true }, ['over-coupling inactive→firing']],
      [{ m: 10 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
  },
  {
    name: 'out-of-order data: an older window_end neither moves timers nor clears',
    rules: only('over-coupling', { for: '30s' }),
    steps: [
      [{ m: 100 * S, value: 3.5 }, ['over-coupling inactive→pending']],
      [{ m: 50 * S, value: 2 }, []],
      [{ m: 120 * S, value: 3.5 }, []],
      [{ m: 60 * S, value: 3.5 }, []],
      [{ m: 130 * S, value: 3.5 }, ['over-coupling pending→firing']],
    ],
    final: ['over-coupling', 'firing'],
  },
  {
    name: 'silent: offline status fires at once; metrics resolve it',
    rules: only('silent', {}),
    steps: [
      [{ m: 0, now: 1000 * S }, []],
      [{ status: 'offline', now: 1001 * S }, ['silent inactive→firing']],
      [{ m: 10 * S, now: 1010 * S }, ['silent firing→resolved']],
    ],
  },
  {
    name: 'silent: the last will (offline, reason lost) fires at once',
    rules: only('silent', {}),
    steps: [
      [{ m: 0, now: 1000 * S }, []],
      [{ status: 'offline', reason: 'lost', now: 1001 * S }, ['silent inactive→firing']],
    ],
  },
  {
    name: 'silent: a goodbye at a clean stop (offline, reason stopped) is not silent, nor the quiet after it',
    rules: only('silent', { periods: 3 }),
    steps: [
      [{ status: 'online', now: 0, period: 10 }, []],
      [{ m: 0, now: 1 * S }, []],
      [{ status: 'offline', reason: 'stopped', now: 2 * S }, []],
      [{ tick: 3600 * S }, []],
      [{ status: 'online', now: 3601 * S, period: 10 }, []],
      [{ m: 10 * S, now: 3602 * S }, []],
      [{ tick: 3640 * S }, ['silent inactive→firing']],
    ],
  },
  {
    name: 'silent: a device firing silent that then stops cleanly resolves',
    rules: only('silent', { periods: 3 }),
    steps: [
      [{ status: 'online', now: 0, period: 10 }, []],
      [{ m: 0, now: 1 * S }, []],
      [{ tick: 40 * S }, ['silent inactive→firing']],
      [{ status: 'offline', reason: 'stopped', now: 41 * S }, ['silent firing→resolved']],
    ],
  },
  {
    name: 'silent: 3 publish periods (from status) without metrics; no verdict before stale_from',
    rules: only('silent', { periods: 3 }),
    steps: [
      [{ status: 'online', now: 0, period: 10 }, []],
      [{ m: 0, now: 1 * S }, []],
      [{ tick: 31 * S }, []],
      [{ tick: 32 * S, stale_from: 10 * S }, []],
      [{ tick: 32 * S }, ['silent inactive→firing']],
    ],
  },
  {
    name: 'silence is not recovery: a silent device keeps its band alert firing',
    rules: only('over-coupling', { for: 0 }),
    steps: [
      [{ m: 0, value: 3.5, now: 0 }, ['over-coupling inactive→firing']],
      [{ tick: 3600 * S }, []],
      [{ tick: 7200 * S }, []],
    ],
    final: ['over-coupling', 'firing'],
  },
];

describe('evaluate: lifecycle paths', () => {
  it.each(cases)('$name', (c) => {
    const { state, out } = run(
      rulesFrom(c.rules),
      c.steps.map(([s]) => s),
      c.silences,
    );
    expect(out).toEqual(c.steps.map(([, t]) => t));
    if (c.final) expect(state.rules[c.final[0]]?.phase).toBe(c.final[1]);
  });
});

const suppressionCases: Case[] = [
  {
    name: 'silence: held while active, caught up once when it ends, resolution sent',
    rules: only('over-coupling', { for: 0 }),
    silences: [silence({ device: 'd1', rule: 'over-coupling' }, 0, 100 * S)],
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→firing [held]']],
      [{ tick: 50 * S }, []],
      [{ tick: 100 * S }, ['over-coupling firing→firing']],
      [{ tick: 110 * S }, []],
      [{ m: 120 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
  },
  {
    name: 'silence (wildcards): an episode never notified is not resolved aloud either',
    rules: only('over-coupling', { for: 0 }),
    silences: [silence({ fleet: '*', device: '*' }, 0, 1000 * S)],
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→firing [held]']],
      [{ m: 10 * S, value: 2 }, ['over-coupling firing→resolved [held]']],
    ],
  },
  {
    name: 'silence for another device does not match',
    rules: only('over-coupling', { for: 0 }),
    silences: [silence({ device: 'd2' }, 0, 1000 * S)],
    steps: [[{ m: 0, value: 3.5 }, ['over-coupling inactive→firing']]],
  },
  {
    name: 'scheduled silence: not active before starts_at',
    rules: only('over-coupling', { for: '10s' }),
    silences: [silence({ rule: 'over-coupling' }, 5 * S, 1000 * S)],
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→pending']],
      [{ m: 10 * S, value: 3.5 }, ['over-coupling pending→firing [held]']],
    ],
  },
  {
    name: 'inhibition: a firing silent alert holds back the device’s other alerts until it resolves',
    rules: { ...only('over-coupling', { for: 0 }), silent: { periods: 3 } },
    silences: [silence({ rule: 'over-coupling' }, 0, 50 * S)],
    steps: [
      [{ status: 'online', now: 0, period: 10 }, []],
      [{ m: 0, value: 3.5, now: 0 }, ['over-coupling inactive→firing [held]']],
      [{ tick: 40 * S }, ['silent inactive→firing']],
      [{ tick: 60 * S }, []],
      [
        { m: 70 * S, value: 3.5, now: 70 * S },
        ['silent firing→resolved', 'over-coupling firing→firing'],
      ],
    ],
  },
];

describe('evaluate: silences and inhibition', () => {
  it.each(suppressionCases)('$name', (c) => {
    const { out } = run(
      rulesFrom(c.rules),
      c.steps.map(([s]) => s),
      c.silences,
    );
    expect(out).toEqual(c.steps.map(([, t]) => t));
  });
});

describe('evaluate: purity and forecast', () => {
  it('does not mutate its input state and gives the same answer twice', () => {
    const rules = rulesFrom(only('over-coupling', { for: '30s' }));
    const s0 = initialDeviceState('f1', 'd1');
    const obs = {
      kind: 'metrics' as const,
      metrics: metrics({ value: 3.5 }),
      rules,
      silences: [],
      forecast: { points: 8, min_points: 3 },
    };
    const snapshot = JSON.stringify(s0);
    const a = evaluate(s0, obs, 5);
    const b = evaluate(s0, obs, 5);
    expect(JSON.stringify(s0)).toBe(snapshot);
    expect(b).toEqual(a);
  });

  it.each([
    // value rises 0.1 per minute towards high = 3 (4 minutes of points): from 2.9 it leaves
    // in 1 min, from 2.4 in 6 min, further ahead than the 4 minutes the line was fit on
    { name: 'outward', values: [2.5, 2.6, 2.7, 2.8, 2.9], status: 'exit', slope: 6, eta: 60 },
    {
      name: 'outward, beyond the horizon',
      values: [2, 2.1, 2.2, 2.3, 2.4],
      status: 'beyond-horizon',
      slope: 6,
      eta: null,
    },
    {
      name: 'inward (towards the center)',
      values: [2.9, 2.8, 2.7, 2.6, 2.5],
      status: 'inward',
      slope: -6,
      eta: null,
    },
    { name: 'flat', values: [2.4, 2.4, 2.4, 2.4, 2.4], status: 'not-significant', slope: null },
    // the bad window widens the interval past zero: no forecast rather than a wrong one
    {
      name: 'one bad window',
      values: [2.5, 2.6, 9, 2.8, 2.9],
      status: 'not-significant',
      slope: null,
    },
    { name: 'already outside', values: [3.1, 3.2, 3.3, 3.4, 3.5], status: 'outside', eta: 0 },
  ])('forecast: $name', ({ values, status, slope, eta }) => {
    const { state } = run(
      rulesFrom(only('over-coupling', { for: '1h' })),
      values.map((v, i) => ({ m: i * 60 * S, value: v })),
    );
    // min_points as evaluate-run's observations have it
    const f = deviceForecast(state, 3);
    expect(f.status).toBe(status);
    if (slope === null) expect(f.slope_per_hour).toBeNull();
    else if (slope !== undefined) expect(f.slope_per_hour).toBeCloseTo(slope, 6);
    if (eta === null || eta === undefined) expect(f.eta_s).toBeNull();
    else expect(f.eta_s).toBeCloseTo(eta, 3);
  });
});
