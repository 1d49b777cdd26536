// One rule's state machine: inactive → pending → firing → resolved (→ inactive), driven by
// readings stamped with rule time. Pure; notification decisions are made by the caller.
import { median } from '../../shared/detect/episode.ts';
import type { Lifecycle, Phase, RuleState, Transition } from './types.ts';

/** Breaching values kept for a firing episode's median level (clear_relative). */
export const EPISODE_LEVELS = 32;

export interface Reading {
  t: number;
  /** the firing condition holds */
  breach: boolean;
  /** the (inner, hysteresis) clear condition holds; implies !breach */
  clear: boolean;
  value: number | null;
  readonly reason: string;
  boot: string | null;
  seq: number | null;
}

export type RawTransition = Omit<Transition, 'notify' | 'suppressed'>;

export function initialRuleState(): RuleState {
  return {
    phase: 'inactive',
    since: null,
    clear_since: null,
    last_breach: null,
    window: [],
    last_t: null,
    value: null,
    reason: '',
    boot: null,
    seq: null,
    notified: null,
    notified_at: null,
  };
}

/**
 * Appends a reading to an N-of-M window of the last m, without its leading zeros: they never
 * count, and dropping them keeps the window unchanged through a steady run of non-events,
 * so that run does not have to be written (see writer.ts).
 */
export function pushBit(window: readonly number[], bit: boolean, m: number): number[] {
  if (!bit && window.length === 0) return [];
  const w = [...window, bit ? 1 : 0].slice(-m);
  let i = 0;
  while (i < w.length && w[i] === 0) i++;
  return i ? w.slice(i) : w;
}

function forSatisfied(rule: Lifecycle, s: RuleState, t: number): boolean {
  if (rule.for.kind === 'duration') return s.since !== null && t - s.since >= rule.for.ms;
  return s.window.reduce((a, b) => a + b, 0) >= rule.for.n;
}

/**
 * Applies one reading. A reading older than the newest one applied is ignored, so late
 * data never moves a timer backwards.
 */
export function stepRule(
  name: string,
  rule: Lifecycle,
  prev: RuleState,
  r: Reading,
): { state: RuleState; transitions: RawTransition[] } {
  if (prev.last_t !== null && r.t < prev.last_t) return { state: prev, transitions: [] };
  const s: RuleState = { ...prev, window: prev.window, last_t: r.t };
  const out: RawTransition[] = [];
  r = holdLevel(rule, s, r);
  // no closures here: run through tsx, each closure created per call was also wrapped by its
  // keepNames helper (__name, ~1 s of a 38 s collector profile)
  if (rule.for.kind === 'n-of-m') {
    s.window = pushBit(prev.window, r.breach, rule.for.m);
  }

  switch (s.phase) {
    case 'inactive': {
      if (!r.breach) break;
      trackReading(s, r);
      s.levels = [];
      recordLevel(rule, s, r);
      s.since = r.t;
      s.last_breach = r.t;
      s.clear_since = null;
      s.notified = null;
      s.notified_at = null;
      if (forSatisfied(rule, s, r.t)) {
        s.phase = 'firing';
        s.clear_window = [];
        emitTransition(out, name, s, r, 'inactive', 'firing');
      } else {
        s.phase = 'pending';
        emitTransition(out, name, s, r, 'inactive', 'pending');
      }
      break;
    }
    case 'pending': {
      if (r.breach) {
        trackReading(s, r);
        recordLevel(rule, s, r);
        s.last_breach = r.t;
        if (forSatisfied(rule, s, r.t)) {
          s.phase = 'firing';
          s.clear_window = [];
          emitTransition(out, name, s, r, 'pending', 'firing');
        }
        break;
      }
      // A duration `for` needs the condition to hold throughout; N-of-M tolerates gaps
      // until the window holds no breach at all.
      const stillPossible = rule.for.kind === 'n-of-m' && s.window.some((b) => b === 1);
      if (!stillPossible) {
        trackReading(s, r);
        emitTransition(out, name, s, r, 'pending', 'resolved');
        Object.assign(s, resetEpisode());
      }
      break;
    }
    case 'firing':
      stepFiring(name, rule, prev, s, r, out);
      break;
  }
  return { state: s, transitions: out };
}

/** A reading of a firing rule: it breaches again, waits (the reason says for what) or resolves. */
function stepFiring(
  name: string,
  rule: Lifecycle,
  prev: RuleState,
  s: RuleState,
  r: Reading,
  out: RawTransition[],
): void {
  const settled = settledReading(rule, s, r);
  if (settled) r = settled;
  else recordLevel(rule, s, r);
  trackReading(s, r);
  const cr = rule.clear_readings;
  if (cr) s.clear_window = pushBit(prev.clear_window ?? [], r.clear, cr.m);
  if (r.breach) {
    s.last_breach = r.t;
    s.clear_since = null;
    return;
  }
  if (!r.clear) {
    // between the firing and the inner clear threshold: neither fires nor clears
    s.clear_since = null;
    s.reason = stillFiring(rule, s, r);
    return;
  }
  s.clear_since ??= r.t;
  const clearedLongEnough =
    r.t - s.clear_since >= rule.clear_for_ms &&
    (!cr || (s.clear_window ?? []).reduce((a, b) => a + b, 0) >= cr.n);
  const keptLongEnough = r.t - (s.last_breach ?? r.t) >= rule.keep_firing_for_ms;
  if (!(clearedLongEnough && keptLongEnough)) {
    s.reason = stillFiring(rule, s, r);
    return;
  }
  emitTransition(out, name, s, r, 'firing', 'resolved');
  const held = settled ? median(s.levels!) : null;
  Object.assign(s, resetEpisode());
  if (held !== null) s.held = held;
  else delete s.held;
}

const round4 = (v: number): number => Number(v.toPrecision(4));

const seconds = (ms: number): string => `${round4(Math.max(0, ms) / 1000)} s`;

/** Clear readings at the end of the window: the progress of an "n in a row" count. */
function trailingOnes(window: readonly number[]): number {
  let k = 0;
  while (k < window.length && window[window.length - 1 - k] === 1) k++;
  return k;
}

/**
 * The reason of a firing rule whose reading did not breach: the reading's own text (it is
 * within the firing edge) and what the rule still waits for before it resolves — clear
 * readings, a clear duration, the keep-firing time — so a firing alert never reads as healthy.
 */
function stillFiring(rule: Lifecycle, s: RuleState, r: Reading): string {
  const waits: string[] = [];
  const cr = rule.clear_readings;
  if (cr) {
    const w = s.clear_window ?? [];
    waits.push(
      cr.n === cr.m
        ? `${trailingOnes(w)} of ${cr.n} clear readings`
        : `${w.reduce((a, b) => a + b, 0)} of the last ${cr.m} readings clear, ${cr.n} needed`,
    );
  }
  if (rule.clear_for_ms > 0) {
    const clearMs = s.clear_since === null ? 0 : r.t - s.clear_since;
    waits.push(`clear for ${seconds(clearMs)} of ${seconds(rule.clear_for_ms)}`);
  }
  const keepMs = rule.keep_firing_for_ms - (r.t - (s.last_breach ?? r.t));
  if (keepMs > 0) waits.push(`keeps firing ${seconds(keepMs)} more after its last breach`);
  if (waits.length === 0) waits.push('waiting for a clear reading');
  return `${r.reason}; clearing: ${waits.join(', ')}`;
}

/** clear_relative: a breaching value joins the episode's level (rounded: it is stored). */
function recordLevel(rule: Lifecycle, s: RuleState, r: Reading): void {
  if (!rule.clear_relative || !r.breach || r.value === null || !Number.isFinite(r.value)) return;
  s.levels = [...(s.levels ?? []), round4(r.value)].slice(-EPISODE_LEVELS);
}

/**
 * A firing reading under clear_relative × the episode's median level: a clear reading of its
 * own kind (the fault is over, the process did not return to its baseline). Null otherwise.
 */
function settledReading(rule: Lifecycle, s: RuleState, r: Reading): Reading | null {
  const f = rule.clear_relative;
  if (!f || r.clear || r.value === null || !s.levels?.length) return null;
  const level = median(s.levels);
  if (!(r.value < f * level)) return null;
  const reason = `${r.reason}; under ${f} × its episode level ${round4(level)}: settled at a new level, held there until the device re-baselines`;
  return { ...r, breach: false, clear: true, reason };
}

/**
 * After a relative clear the rule holds the episode's level as its firing edge: the value
 * against the old baseline stays high until the device re-fits it, and that is the episode
 * already reported. A reading that clears normally ends the hold.
 */
function holdLevel(rule: Lifecycle, s: RuleState, r: Reading): Reading {
  if (s.held === undefined || s.held === null) return r;
  if (r.clear || !rule.clear_relative) {
    delete s.held;
    return r;
  }
  if (r.breach && r.value !== null && r.value <= s.held) return { ...r, breach: false };
  return r;
}

/**
 * A transition of rule `rule` at `at`, naming the reading it reports (`of`: the reading itself,
 * or the rule state that tracked it, for a resend).
 */
export function rawTransition(
  rule: string,
  from: Phase,
  to: RawTransition['to'],
  at: number,
  since: number,
  of: Pick<Reading, 'value' | 'reason' | 'boot' | 'seq'>,
  resend: boolean,
): RawTransition {
  return {
    rule,
    from,
    to,
    at,
    since,
    value: Number.isFinite(of.value) ? of.value : null,
    reason: of.reason,
    boot: of.boot,
    seq: of.seq,
    resend,
  };
}

function emitTransition(
  out: RawTransition[],
  name: string,
  s: RuleState,
  r: Reading,
  from: Phase,
  to: RawTransition['to'],
): void {
  out.push(rawTransition(name, from, to, r.t, s.since ?? r.t, r, false));
}

function trackReading(s: RuleState, r: Reading): void {
  s.value = r.value;
  s.reason = r.reason;
  s.boot = r.boot;
  s.seq = r.seq;
}

function resetEpisode(): Partial<RuleState> {
  return {
    phase: 'inactive',
    since: null,
    clear_since: null,
    last_breach: null,
    window: [],
    clear_window: [],
    notified: null,
    notified_at: null,
    levels: [],
  };
}

/** A periodic re-send of a firing alert is due at rule time t. */
export function resendDue(rule: Lifecycle, s: RuleState, t: number): boolean {
  return (
    s.phase === 'firing' &&
    s.notified === 'firing' &&
    rule.resend_interval_ms !== null &&
    s.notified_at !== null &&
    t - s.notified_at >= rule.resend_interval_ms
  );
}
