// Table-driven tests of the built-in rules' defaults (anti-flicker), `threshold: device`
// against the limits an agent publishes, the level-shift rule, and warm-up readings.
// Lines as in evaluate.test.ts; ` [quiet]` marks a transition tracked but not announced.
import { describe, expect, it } from 'vitest';
import { rulesFrom } from '../fixtures.ts';
import { only, run, S, type Case, type Step } from './evaluate-run.ts';

const defaults = { silent: false };
const LIMITS = { drift: 0.5, drift_mean: 2, recon_mean: 0.5 };

const cases: Case[] = [
  {
    name: 'input-coupling: 3 of 5 above limits.coupling_shift fire; 3 readings under 80 % resolve',
    rules: defaults,
    steps: [
      [
        { m: 0, coupling_shift: 12, limits: { coupling_shift: 10 } },
        ['input-coupling inactive→pending [quiet]'],
      ],
      [{ m: 10 * S, coupling_shift: 9, limits: { coupling_shift: 10 } }, []],
      [{ m: 20 * S, coupling_shift: 11, limits: { coupling_shift: 10 } }, []],
      [
        { m: 30 * S, coupling_shift: 11, limits: { coupling_shift: 10 } },
        ['input-coupling pending→firing'],
      ],
      [{ m: 40 * S, coupling_shift: 8.5, limits: { coupling_shift: 10 } }, []],
      [{ m: 50 * S, coupling_shift: 7, limits: { coupling_shift: 10 } }, []],
      [{ m: 60 * S, coupling_shift: 7, limits: { coupling_shift: 10 } }, []],
      [
        { m: 70 * S, coupling_shift: 7, limits: { coupling_shift: 10 } },
        ['input-coupling firing→resolved'],
      ],
    ],
    final: ['input-coupling', 'inactive'],
  },
  {
    name: 'input-coupling: no reading without coupling_shift or without its limit (a device that does not enable it)',
    rules: only('input-coupling', { for: 0 }),
    steps: [
      [{ m: 0, drift_mean: 50, limits: LIMITS }, []],
      [{ m: 10 * S, coupling_shift: 50, limits: LIMITS }, []],
      [{ m: 20 * S, coupling_shift: null, limits: { coupling_shift: 1 } }, []],
      [{ m: 30 * S, coupling_shift: 50 }, []],
      [
        { m: 40 * S, coupling_shift: 2, limits: { coupling_shift: 1 } },
        ['input-coupling inactive→firing'],
      ],
    ],
  },
  {
    name: 'defaults: one odd band reading opens a quiet pending episode that ends quietly',
    rules: defaults,
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→pending [quiet]']],
      [{ m: 10 * S, value: 2 }, []],
      [{ m: 20 * S, value: 2 }, []],
      [{ m: 30 * S, value: 2 }, []],
      [{ m: 40 * S, value: 2 }, []],
      [{ m: 50 * S, value: 2 }, ['over-coupling pending→resolved [quiet]']],
    ],
  },
  {
    name: 'defaults: fires on 3 of 5; one good reading, or the hysteresis zone, does not resolve; 3 clear in a row do',
    rules: defaults,
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→pending [quiet]']],
      [{ m: 10 * S, value: 3.5 }, []],
      [{ m: 20 * S, value: 3.5 }, ['over-coupling pending→firing']],
      [{ m: 30 * S, value: 2 }, []],
      [{ m: 40 * S, value: 3.5 }, []],
      [{ m: 50 * S, value: 2 }, []],
      [{ m: 60 * S, value: 2.9 }, []],
      [{ m: 70 * S, value: 2 }, []],
      [{ m: 80 * S, value: 2 }, []],
      [{ m: 90 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
    final: ['over-coupling', 'inactive'],
  },
  {
    name: 'defaults: drift against the device limit, clearing at 80 % of it after 3 clear readings',
    rules: defaults,
    steps: [
      [{ m: 0, drift: 0.6, limits: LIMITS }, ['drift inactive→pending [quiet]']],
      [{ m: 10 * S, drift: 0.6, limits: LIMITS }, []],
      [{ m: 20 * S, drift: 0.6, limits: LIMITS }, ['drift pending→firing']],
      [{ m: 30 * S, drift: 0.45, limits: LIMITS }, []],
      [{ m: 40 * S, drift: 0.3, limits: LIMITS }, []],
      [{ m: 50 * S, drift: 0.3, limits: LIMITS }, []],
      [{ m: 60 * S, drift: 0.3, limits: LIMITS }, ['drift firing→resolved']],
    ],
  },
  {
    name: 'threshold device: a message without the limit is not judged (no data, not recovery)',
    rules: only('drift', { for: 0 }),
    steps: [
      [{ m: 0, drift: 2, limits: LIMITS }, ['drift inactive→firing']],
      [{ m: 10 * S, drift: 0 }, []],
      [{ m: 20 * S, drift: 0, limits: { recon_mean: 1 } }, []],
      [{ m: 30 * S, drift: 0, limits: null }, []],
      [{ m: 40 * S, drift: 0, limits: LIMITS }, ['drift firing→resolved']],
    ],
  },
  {
    name: 'threshold device: without any limit the rule never starts',
    rules: only('recon-error', { for: 0 }),
    steps: [
      [{ m: 0, recon: 50 }, []],
      [{ m: 10 * S, recon: 50, limits: LIMITS }, ['recon-error inactive→firing']],
      [{ m: 20 * S, recon: 0.45, limits: LIMITS }, []],
      [{ m: 30 * S, recon: 0.3, limits: LIMITS }, ['recon-error firing→resolved']],
    ],
  },
  {
    name: 'level-shift on drift_mean above the device limit',
    rules: only('level-shift', { for: 0 }),
    steps: [
      [{ m: 0, drift_mean: 1, limits: LIMITS }, []],
      [{ m: 10 * S, drift_mean: 3, limits: LIMITS }, ['level-shift inactive→firing']],
      [{ m: 20 * S, drift_mean: 1.7, limits: LIMITS }, []],
      [{ m: 30 * S, drift_mean: null, limits: LIMITS }, []],
      [{ m: 40 * S, drift_mean: 1.5, limits: LIMITS }, ['level-shift firing→resolved']],
    ],
  },
  {
    name: 'level-shift: a fault that settles above the limit clears against its own level, and is held there',
    rules: only('level-shift', { for: 0 }),
    steps: [
      [{ m: 0, drift_mean: 10, limits: LIMITS }, ['level-shift inactive→firing']],
      [{ m: 10 * S, drift_mean: 12, limits: LIMITS }, []],
      [{ m: 20 * S, drift_mean: 8, limits: LIMITS }, []],
      // under 0.5 × the episode median 10, though above the limit 2: the fault is over
      [{ m: 30 * S, drift_mean: 4, limits: LIMITS }, ['level-shift firing→resolved']],
      // the new level against the old baseline does not fire again…
      [{ m: 40 * S, drift_mean: 4.5, limits: LIMITS }, []],
      [{ m: 50 * S, drift_mean: 9, limits: LIMITS }, []],
      // …a rise past the episode's level does
      [{ m: 60 * S, drift_mean: 14, limits: LIMITS }, ['level-shift inactive→firing']],
    ],
  },
  {
    name: 'level-shift: the hold ends with a reading that clears normally (the device re-baselined)',
    rules: only('level-shift', { for: 0 }),
    steps: [
      [{ m: 0, drift_mean: 10, limits: LIMITS }, ['level-shift inactive→firing']],
      [{ m: 10 * S, drift_mean: 4, limits: LIMITS }, ['level-shift firing→resolved']],
      [{ m: 20 * S, drift_mean: 0.1, limits: LIMITS }, []],
      [{ m: 30 * S, drift_mean: 3, limits: LIMITS }, ['level-shift inactive→firing']],
    ],
  },
  {
    name: 'level-shift with clear_relative off: the settled level keeps firing',
    rules: only('level-shift', { for: 0, clear_relative: null }),
    steps: [
      [{ m: 0, drift_mean: 10, limits: LIMITS }, ['level-shift inactive→firing']],
      [{ m: 10 * S, drift_mean: 4, limits: LIMITS }, []],
      [{ m: 20 * S, drift_mean: 4, limits: LIMITS }, []],
    ],
    final: ['level-shift', 'firing'],
  },
  {
    name: 'threshold device with clear_fraction 0.5',
    rules: only('drift', { for: 0, clear_fraction: 0.5 }),
    steps: [
      [{ m: 0, drift: 0.6, limits: LIMITS }, ['drift inactive→firing']],
      [{ m: 10 * S, drift: 0.3, limits: LIMITS }, []],
      [{ m: 20 * S, drift: 0.25, limits: LIMITS }, ['drift firing→resolved']],
    ],
  },
  {
    name: 'warm-up readings are not judged: neither breach nor recovery',
    rules: only('over-coupling', { for: 0 }),
    steps: [
      [{ m: 0, value: 3.5, phase: 'warmup' }, []],
      [{ m: 10 * S, value: 3.5 }, ['over-coupling inactive→firing']],
      [{ m: 20 * S, value: 2, phase: 'warmup' }, []],
      [{ m: 30 * S, drift: 9, limits: LIMITS, phase: 'warmup' }, []],
    ],
    final: ['over-coupling', 'firing'],
  },
  {
    name: 'warm-up readings still count as heard for silent',
    rules: only('silent', {}),
    steps: [
      [{ status: 'online', now: 0, period: 10 }, []],
      [{ m: 0, now: 1 * S, phase: 'warmup' }, []],
      [{ tick: 40 * S }, ['silent inactive→firing']],
      [{ m: 10 * S, now: 41 * S, phase: 'warmup' }, ['silent firing→resolved']],
    ],
  },
  {
    name: 'clear_for as N-of-M readings: 2 clear of the last 3',
    rules: only('over-coupling', { for: 0, clear_for: { readings: 2, of: 3 } }),
    steps: [
      [{ m: 0, value: 3.5 }, ['over-coupling inactive→firing']],
      [{ m: 10 * S, value: 2 }, []],
      [{ m: 20 * S, value: 3.5 }, []],
      [{ m: 30 * S, value: 2 }, ['over-coupling firing→resolved']],
    ],
  },
];

describe('evaluate: built-in defaults, device limits, warm-up', () => {
  it.each(cases)('$name', (c) => {
    const { state, out } = run(
      rulesFrom(c.rules),
      c.steps.map(([s]) => s),
    );
    expect(out).toEqual(c.steps.map(([, t]) => t));
    if (c.final) expect(state.rules[c.final[0]]?.phase).toBe(c.final[1]);
  });

  it('says why a settled episode resolved', () => {
    const { state } = run(rulesFrom(only('level-shift', { for: 0 })), [
      { m: 0, drift_mean: 10, limits: LIMITS },
      { m: 10 * S, drift_mean: 4, limits: LIMITS },
    ]);
    const r = state.rules['level-shift']!;
    expect(r.reason).toMatch(
      /drift_mean = 4 above device limit 2; under 0\.5 × its episode level 10: settled/,
    );
    expect(r.held).toBe(10);
  });

  it('says why a firing alert still fires while it clears (issue 19)', () => {
    const limits = { recon_mean: 0.3081 };
    const steps: Step[] = [0.4, 0.4, 0.4, 0.1889, 0.27, 0.1889, 0.1889, 0.1889].map((recon, i) => ({
      m: i * 10 * S,
      recon,
      limits,
    }));
    // the rule's phase and reason after each reading from the third (the one that fires)
    const reasons = steps.slice(2).map((_, i) => {
      const r = run(rulesFrom(defaults), steps.slice(0, i + 3)).state.rules['recon-error']!;
      return `${r.phase}: ${r.reason}`;
    });
    expect(reasons).toEqual([
      'firing: recon_mean = 0.4 above device limit 0.3081',
      'firing: recon_mean = 0.1889 within device limit 0.3081; clearing: 1 of 3 clear readings',
      'firing: recon_mean = 0.27 within device limit 0.3081, above its clear line 0.2465; clearing: 0 of 3 clear readings',
      'firing: recon_mean = 0.1889 within device limit 0.3081; clearing: 1 of 3 clear readings',
      'firing: recon_mean = 0.1889 within device limit 0.3081; clearing: 2 of 3 clear readings',
      'inactive: recon_mean = 0.1889 within device limit 0.3081',
    ]);
  });

  it('a firing alert re-sent while it clears says why it still fires', () => {
    const rules = rulesFrom({ ...defaults, 'recon-error': { resend_interval: '30s' } });
    const limits = { recon_mean: 0.3081 };
    const steps: Step[] = [0.4, 0.4, 0.4, 0.1889, 0.1889].map((recon, i) => ({
      m: i * 15 * S,
      recon,
      limits,
    }));
    const resent = run(rules, steps)
      .transitions.flat()
      .filter((t) => t.resend)
      .map((t) => t.reason);
    // fired at 30 s with the third breach; the re-send 30 s later is of a clearing alert
    expect(resent).toEqual([
      'recon_mean = 0.1889 within device limit 0.3081; clearing: 2 of 3 clear readings',
    ]);
  });

  it('names the device limit in the reason', () => {
    const { state } = run(rulesFrom(only('drift', { for: 0 })), [
      { m: 0, drift: 0.6, limits: LIMITS },
    ]);
    expect(state.rules.drift?.reason).toBe('drift = 0.6 above device limit 0.5');
  });

  // A healthy hour at a 10 s period with isolated odd readings (two within any five):
  // the defaults announce nothing; the old lifecycle (pending announced, resolve on the first
  // clear reading) sent a pending and a resolution for each.
  it('a healthy hour with odd readings: no notification with the defaults', () => {
    const steps: Step[] = Array.from({ length: 360 }, (_, i) => ({
      m: i * 10 * S,
      value: i % 20 === 7 || i % 20 === 9 ? 3.4 : 2 + 0.3 * Math.sin(i),
      drift: i % 30 === 11 ? 0.9 : 0.2,
      limits: LIMITS,
    }));
    const notified = (rules: Record<string, unknown>) =>
      run(rulesFrom(rules), steps)
        .out.flat()
        .filter((l) => !l.endsWith(']')).length;
    expect(notified(defaults)).toBe(0);
    const legacy = { notify_pending: true, clear_for: 0 };
    const old = Object.fromEntries(
      ['over-coupling', 'drift'].map((r) => [r, { ...legacy }]),
    ) as Record<string, unknown>;
    expect(notified({ ...defaults, ...old })).toBeGreaterThan(40);
  });
});

describe('evaluate: re-baselines', () => {
  it('keeps the device’s most recent re-baselines, newest last', async () => {
    const { evaluate, initialDeviceState } = await import('../../../collector/rules/evaluate.ts');
    const { metrics } = await import('../fixtures.ts');
    let state = initialDeviceState('f1', 'd1');
    for (let i = 0; i < 7; i++) {
      const m = {
        ...metrics({ t: (i + 1) * 10 * S, seq: i }),
        rebaseline: { at: i, reason: `r${i}`, shift: { flow: -i } },
      };
      const obs = {
        kind: 'metrics' as const,
        metrics: m,
        rules: [],
        silences: [],
        forecast: { points: 16, min_points: 3 },
      };
      state = evaluate(state, obs, m.window_end).state;
    }
    expect(state.rebaselines!.map((r) => r.reason)).toEqual(['r2', 'r3', 'r4', 'r5', 'r6']);
  });
});
