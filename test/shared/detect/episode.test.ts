import { describe, expect, it } from 'vitest';
import {
  holdsBaseline,
  median,
  QUIET,
  stepEpisode,
  type EpisodeAction,
  type EpisodePolicy,
  type EpisodeState,
} from '../../../shared/detect/episode.ts';

const policy: EpisodePolicy = {
  confirm: { n: 3, m: 5 },
  clearReadings: 3,
  settleFraction: 0.5,
  clearFraction: 0.8,
  rebaselineAfterMs: 20_000,
};

/** Steps the tracker over values, one reading every 5 s of data time; limit 1. */
function run(values: number[], p: EpisodePolicy = policy) {
  let s: EpisodeState = QUIET;
  const actions: { t: number; action: EpisodeAction['kind'] }[] = [];
  const held: boolean[] = [];
  values.forEach((value, i) => {
    const step = stepEpisode(s, { t: i * 5000, value, limit: 1 }, p);
    s = step.state;
    if (step.action.kind !== 'none') actions.push({ t: i * 5000, action: step.action.kind });
    held.push(holdsBaseline(s));
  });
  return { state: s, actions, held };
}

describe('stepEpisode', () => {
  it.each([
    {
      name: 'two breaches in five never open an episode',
      values: [0.2, 2, 0.2, 2, 0.2, 0.2, 0.2, 0.2, 0.2],
      actions: [],
    },
    {
      name: 'three breaches open it at the third; three clear readings in a row return it',
      values: [0.2, 5, 5, 5, 5, 0.5, 0.5, 0.5, 0.2],
      actions: [
        { t: 15_000, action: 'started' },
        { t: 35_000, action: 'returned' },
      ],
    },
    {
      name: 'a statistic that stays above the limit but under half its episode level settles, then re-baselines',
      values: [5, 5, 5, 5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2],
      actions: [
        { t: 10_000, action: 'started' },
        { t: 35_000, action: 'settled' },
        { t: 55_000, action: 'rebaseline' },
      ],
    },
    {
      name: 'a settled episode that climbs back to its level is open again (no re-baseline)',
      values: [5, 5, 5, 5, 2, 2, 2, 6, 6, 6, 6, 6, 6, 6],
      actions: [
        { t: 10_000, action: 'started' },
        { t: 30_000, action: 'settled' },
      ],
    },
    {
      name: 'a persistent fault at its level never ends',
      values: [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6],
      actions: [{ t: 10_000, action: 'started' }],
    },
  ])('$name', ({ values, actions }) => {
    expect(run(values).actions).toEqual(actions);
  });

  it('without an automatic delay, a settled episode waits for a command', () => {
    const r = run([5, 5, 5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], {
      ...policy,
      rebaselineAfterMs: null,
    });
    expect(r.actions.map((a) => a.action)).toEqual(['started', 'settled']);
    expect(r.state.phase).toBe('settled');
  });

  it('holds the baseline from the first breach until the episode is over', () => {
    const r = run([0.2, 2, 0.2, 0.2, 0.2, 0.2, 0.2, 5, 5, 5, 0.2, 0.2, 0.2, 0.2]);
    expect(r.held).toEqual([
      false, // quiet
      true, // a breach among the last five: the alert may be pending
      true,
      true,
      true,
      true,
      false, // the breach left the window
      true,
      true,
      true, // episode
      true,
      true,
      false, // returned
      false,
    ]);
  });

  it('keeps the episode level of breaching readings only, and at most the most recent', () => {
    const r = run([5, 5, 5, ...Array(300).fill(3), 0.9]);
    expect(r.state.phase).toBe('episode');
    if (r.state.phase !== 'quiet') {
      expect(r.state.values.length).toBe(256);
      expect(median(r.state.values)).toBe(3);
    }
  });
});

describe('median', () => {
  it.each([
    [[3], 3],
    [[1, 3], 2],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('%j → %d', (v, m) => expect(median(v)).toBe(m));
});
