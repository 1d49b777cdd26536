// A firing rule says why it still fires. The lifecycle is stepped reading by reading on rule
// time (data time), with the phase and the stored reason after each step: a reading back
// inside the firing edge keeps the alert firing until its clear condition holds, and the
// reason says which part of that condition it still waits for.
import { describe, expect, it } from 'vitest';
import { initialRuleState, stepRule, type Reading } from '../../../collector/rules/lifecycle.ts';
import type { Lifecycle, RuleState } from '../../../collector/rules/types.ts';

const S = 1000;
type Kind = 'breach' | 'between' | 'clear';

/** readings of a rule firing above 3 and clearing at or under 2.5 */
function reading(t: number, kind: Kind): Reading {
  const value = { breach: 3.5, between: 2.8, clear: 2 }[kind];
  const reason = {
    breach: 'x = 3.5 above 3',
    between: 'x = 2.8 within 3, above its clear line 2.5',
    clear: 'x = 2 within 3',
  }[kind];
  return {
    t,
    breach: kind === 'breach',
    clear: kind === 'clear',
    value,
    reason,
    boot: 'b',
    seq: t,
  };
}

const base: Lifecycle = {
  for: { kind: 'duration', ms: 0 },
  clear_for_ms: 0,
  keep_firing_for_ms: 0,
  resend_interval_ms: null,
};

interface Case {
  name: string;
  rule: Partial<Lifecycle>;
  /** [rule time s, reading] → `phase: reason` after it */
  steps: [number, Kind, string][];
}

const cases: Case[] = [
  {
    name: '3 clear readings in a row (the built-in rules)',
    rule: { clear_readings: { n: 3, m: 3 } },
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [10, 'clear', 'firing: x = 2 within 3; clearing: 1 of 3 clear readings'],
      [
        20,
        'between',
        'firing: x = 2.8 within 3, above its clear line 2.5; clearing: 0 of 3 clear readings',
      ],
      [30, 'clear', 'firing: x = 2 within 3; clearing: 1 of 3 clear readings'],
      [40, 'clear', 'firing: x = 2 within 3; clearing: 2 of 3 clear readings'],
      [50, 'breach', 'firing: x = 3.5 above 3'],
      [60, 'clear', 'firing: x = 2 within 3; clearing: 1 of 3 clear readings'],
      [70, 'clear', 'firing: x = 2 within 3; clearing: 2 of 3 clear readings'],
      [80, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
  {
    name: '3 clear readings of the last 5',
    rule: { clear_readings: { n: 3, m: 5 } },
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [10, 'clear', 'firing: x = 2 within 3; clearing: 1 of the last 5 readings clear, 3 needed'],
      [
        20,
        'between',
        'firing: x = 2.8 within 3, above its clear line 2.5; clearing: 1 of the last 5 readings clear, 3 needed',
      ],
      [30, 'clear', 'firing: x = 2 within 3; clearing: 2 of the last 5 readings clear, 3 needed'],
      [40, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
  {
    name: 'clear for 30 s',
    rule: { clear_for_ms: 30 * S },
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [10, 'clear', 'firing: x = 2 within 3; clearing: clear for 0 s of 30 s'],
      [25, 'clear', 'firing: x = 2 within 3; clearing: clear for 15 s of 30 s'],
      [
        30,
        'between',
        'firing: x = 2.8 within 3, above its clear line 2.5; clearing: clear for 0 s of 30 s',
      ],
      [35, 'clear', 'firing: x = 2 within 3; clearing: clear for 0 s of 30 s'],
      [65, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
  {
    name: 'keep firing 30 s after the last breach',
    rule: { keep_firing_for_ms: 30 * S },
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [
        10,
        'clear',
        'firing: x = 2 within 3; clearing: keeps firing 20 s more after its last breach',
      ],
      [
        29.5,
        'clear',
        'firing: x = 2 within 3; clearing: keeps firing 0.5 s more after its last breach',
      ],
      [30, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
  {
    name: 'everything at once: what is still missing, each part',
    rule: { clear_readings: { n: 2, m: 2 }, clear_for_ms: 20 * S, keep_firing_for_ms: 15 * S },
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [
        10,
        'clear',
        'firing: x = 2 within 3; clearing: 1 of 2 clear readings, clear for 0 s of 20 s, keeps firing 5 s more after its last breach',
      ],
      [
        20,
        'clear',
        'firing: x = 2 within 3; clearing: 2 of 2 clear readings, clear for 10 s of 20 s',
      ],
      [30, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
  {
    name: 'no clear condition but the reading itself',
    rule: {},
    steps: [
      [0, 'breach', 'firing: x = 3.5 above 3'],
      [
        10,
        'between',
        'firing: x = 2.8 within 3, above its clear line 2.5; clearing: waiting for a clear reading',
      ],
      [20, 'clear', 'inactive: x = 2 within 3'],
    ],
  },
];

describe('lifecycle: the reason of a firing rule says why it still fires', () => {
  it.each(cases)('$name', ({ rule, steps }) => {
    const lc: Lifecycle = { ...base, ...rule };
    let s: RuleState = initialRuleState();
    const got: string[] = [];
    for (const [t, kind] of steps) {
      s = stepRule('r', lc, s, reading(t * S, kind)).state;
      got.push(`${s.phase}: ${s.reason}`);
    }
    expect(got).toEqual(steps.map(([, , want]) => want));
  });

  it('resolves with the reading as it is: the resolution does not say "clearing"', () => {
    const lc: Lifecycle = { ...base, clear_readings: { n: 2, m: 2 } };
    let s = stepRule('r', lc, initialRuleState(), reading(0, 'breach')).state;
    s = stepRule('r', lc, s, reading(10 * S, 'clear')).state;
    const { transitions } = stepRule('r', lc, s, reading(20 * S, 'clear'));
    expect(transitions).toMatchObject([
      { from: 'firing', to: 'resolved', reason: 'x = 2 within 3' },
    ]);
  });
});
