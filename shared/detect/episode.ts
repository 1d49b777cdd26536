// When is a level-shift episode over? A process often does not return to its warm-up state
// after a fault: a valve reopens, but the pump runs a little differently, so the statistic
// against the warm-up baseline stays above its limit and the alarm would never clear. The
// episode is therefore judged against its own level: it is over when the statistic stays
// below a fraction of its in-episode median (it "settled" at a new level) or below the usual
// clear level (it "returned"). A settled episode leaves the device measuring against a
// baseline that no longer describes it, so the baseline is re-fitted on the new level
// (re-baselined) — automatically some time after settling, or only on an operator's command:
// accepting a shift as the new normal is a decision, and the policy says who makes it.
//
// The readings and their counts mirror the collector's built-in rules (a breach of the
// limit, N of the last M readings to confirm, clear readings in a row to end), so the agent's
// view of an episode is the alert's. One pure step per reading; the caller acts on the action.

/**
 * A reading at or under this fraction of its limit is back to normal (the collector's default
 * clear level for device limits, and the agent's "returned" level).
 */
export const DEFAULT_CLEAR_FRACTION = 0.8;

/** The in-episode level is judged against this fraction of its median (also the collector's default). */
export const DEFAULT_SETTLE_FRACTION = 0.5;

/** N of the last M readings breach: an episode (the collector's built-in `for`). */
export const DEFAULT_CONFIRM = { n: 3, m: 5 } as const;

/** Readings in a row under a level that end an episode (the collector's built-in clear). */
export const DEFAULT_CLEAR_READINGS = 3;

/** Readings kept for the in-episode median: the most recent breaching ones. */
export const EPISODE_VALUES = 256;

export interface EpisodePolicy {
  /** N of the last M readings above the limit open an episode */
  confirm: { n: number; m: number };
  /** consecutive readings under a level that end an episode (settled or returned) */
  clearReadings: number;
  /** settled: the statistic is under this fraction of its in-episode median */
  settleFraction: number;
  /** returned: the statistic is under this fraction of the limit (the usual clear level) */
  clearFraction: number;
  /** data ms after settling that the baseline is re-fitted by itself; null: only on command */
  rebaselineAfterMs: number | null;
}

export type EpisodeState =
  | {
      phase: 'quiet';
      /** breach bits of the last M readings, without leading zeros */
      bits: number[];
    }
  | {
      phase: 'episode' | 'settled';
      /** data time of the first breach */
      since: number;
      /** the most recent breaching readings (at most EPISODE_VALUES) */
      values: number[];
      /** consecutive readings under the settle level / under the clear level */
      under: number;
      returning: number;
      /** data time the episode settled, and its median level then (phase settled) */
      settledAt: number | null;
      level: number | null;
    };

export type EpisodeAction =
  | { kind: 'none' }
  | { kind: 'started'; since: number }
  | { kind: 'returned'; since: number }
  | { kind: 'settled'; since: number; level: number }
  | { kind: 'rebaseline'; since: number; level: number };

export const QUIET: EpisodeState = { phase: 'quiet', bits: [] };

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * True while the baseline must not adapt: a breach among the last M readings (the alert may
 * be pending), or an episode open or settled.
 */
export function holdsBaseline(s: EpisodeState): boolean {
  return s.phase !== 'quiet' || s.bits.length > 0;
}

const NONE = { kind: 'none' } as const;

function quietStep(
  s: Extract<EpisodeState, { phase: 'quiet' }>,
  r: { t: number; value: number; limit: number },
  p: EpisodePolicy,
): { state: EpisodeState; action: EpisodeAction } {
  const breach = r.value > r.limit;
  const bits = [...s.bits, breach ? 1 : 0].slice(-p.confirm.m);
  while (bits.length && bits[0] === 0) bits.shift();
  if (bits.reduce((a, b) => a + b, 0) < p.confirm.n)
    return { state: { phase: 'quiet', bits }, action: NONE };
  // the episode began at its first breach among the window; its time is this reading's
  const state: EpisodeState = {
    phase: 'episode',
    since: r.t,
    values: [r.value],
    under: 0,
    returning: 0,
    settledAt: null,
    level: null,
  };
  return { state, action: { kind: 'started', since: r.t } };
}

/**
 * One reading: `value` of the statistic at data time `t` against the device's `limit`.
 * Pure: returns the next state and what the caller must do.
 */
export function stepEpisode(
  s: EpisodeState,
  r: { t: number; value: number; limit: number },
  p: EpisodePolicy,
): { state: EpisodeState; action: EpisodeAction } {
  if (s.phase === 'quiet') return quietStep(s, r, p);
  const { t, value: v, limit } = r;
  const returning = v <= p.clearFraction * limit ? s.returning + 1 : 0;
  if (returning >= p.clearReadings) {
    return { state: QUIET, action: { kind: 'returned', since: s.since } };
  }
  if (s.phase === 'settled') {
    const level = s.level!;
    // back at the episode's level: the fault is not over after all
    if (v >= level) {
      const values = [...s.values, v].slice(-EPISODE_VALUES);
      return {
        state: {
          ...s,
          phase: 'episode',
          values,
          under: 0,
          returning,
          settledAt: null,
          level: null,
        },
        action: NONE,
      };
    }
    const after = p.rebaselineAfterMs;
    if (after !== null && t - s.settledAt! >= after) {
      return { state: QUIET, action: { kind: 'rebaseline', since: s.since, level } };
    }
    return { state: { ...s, returning }, action: NONE };
  }
  const level = median(s.values);
  const low = v < p.settleFraction * level;
  const under = low ? s.under + 1 : 0;
  // the episode's level is that of its breaching readings, not of its way down
  const values = v > limit && !low ? [...s.values, v].slice(-EPISODE_VALUES) : s.values;
  if (under >= p.clearReadings) {
    return {
      state: { ...s, phase: 'settled', values, under, returning, settledAt: t, level },
      action: { kind: 'settled', since: s.since, level },
    };
  }
  return { state: { ...s, values, under, returning }, action: NONE };
}
