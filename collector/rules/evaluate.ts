// The alert evaluator: ONE pure function from (device state, observation, wall time) to
// (new state, transitions). No clock and no I/O: rule timing runs on the data's own
// timestamps (metrics.window_end), so a replay at any speed raises the same alerts; only the
// `silent` rule reads `now`, which the caller takes from an injected clock.
import {
  initialRuleState,
  resendDue,
  rawTransition,
  stepRule,
  type RawTransition,
  type Reading,
} from './lifecycle.ts';
import { fieldValue, silentReading, thresholdReading } from './readings.ts';
import { findSilence } from './silences.ts';
import {
  REBASELINES_KEPT,
  type DeviceState,
  type EvalResult,
  type Observation,
  type Rule,
  type RuleState,
  type Suppression,
  type Transition,
} from './types.ts';

export function initialDeviceState(fleet: string, device: string): DeviceState {
  return {
    fleet,
    device,
    band: null,
    band_value: null,
    band_value_infinite: false,
    last_window_end: null,
    last_boot: null,
    last_seq: null,
    last_metrics_wall: null,
    status: null,
    status_wall: null,
    publish_period_s: null,
    rules: {},
    trend: [],
  };
}

/** Applies the observation's own fields (band, last value, status) to the device state. */
function applyEvent(prev: DeviceState, obs: Observation, now: number): DeviceState {
  const d: DeviceState = { ...prev };
  if (obs.kind === 'status') {
    d.status = obs.status.state;
    d.status_wall = now;
    d.status_reason = obs.status.state === 'offline' ? (obs.status.reason ?? 'lost') : null;
    d.publish_period_s = obs.status.publish_period_s ?? d.publish_period_s;
  }
  if (obs.kind !== 'metrics') return d;
  const m = obs.metrics;
  // Any accepted metrics prove the device alive, even a late one.
  d.last_metrics_wall = now;
  if (d.last_window_end !== null && m.window_end < d.last_window_end) return d;
  const band = m.band ?? d.band;
  if (band?.measure !== d.band?.measure) d.trend = [];
  d.band = band;
  d.band_value = m.band_value;
  d.band_value_infinite = fieldValue(m, 'band_value') === Infinity;
  d.last_window_end = m.window_end;
  d.last_boot = m.boot;
  d.last_seq = m.seq;
  if (m.band_value !== null && band !== null) {
    d.trend = [...d.trend, { t: m.window_end, v: m.band_value }].slice(-obs.forecast.points);
  }
  if (m.rebaseline)
    d.rebaselines = [...(d.rebaselines ?? []), m.rebaseline].slice(-REBASELINES_KEPT);
  return d;
}

function readingFor(rule: Rule, d: DeviceState, obs: Observation, now: number): Reading | null {
  if (rule.kind === 'silent') {
    return silentReading(rule, d, now, obs.kind === 'tick' ? obs.stale_from : undefined);
  }
  if (obs.kind !== 'metrics') return null;
  return thresholdReading(rule, obs.metrics, d.band);
}

const ORDERED = new WeakMap<readonly Rule[], readonly Rule[]>();

/** The rules with silent ones first, memoized per rule list (the config's is one array). */
function silentFirst(rules: readonly Rule[]): readonly Rule[] {
  let o = ORDERED.get(rules);
  if (!o) {
    o = [...rules].sort((a, b) => Number(b.kind === 'silent') - Number(a.kind === 'silent'));
    ORDERED.set(rules, o);
  }
  return o;
}

function announcesPending(rule: Rule): boolean {
  return rule.notify_pending ?? true;
}

function suppressionOf(
  rule: Rule,
  d: DeviceState,
  obs: Observation,
  inhibitor: Rule | undefined,
  now: number,
): Suppression {
  const s = findSilence(obs.silences, { fleet: d.fleet, device: d.device, rule: rule.name }, now);
  if (s) return { by: 'silence', id: s.id };
  if (inhibitor && rule.kind !== 'silent') return { by: 'inhibited', rule: inhibitor.name };
  return null;
}

export function evaluate(state: DeviceState, obs: Observation, now: number): EvalResult {
  const d = applyEvent(state, obs, now);
  const rules: Record<string, RuleState> = {};
  const raw: { rule: Rule; t: RawTransition; prevNotified: RuleState['notified'] }[] = [];

  // Silent rules first: their state decides whether the others' notifications are inhibited.
  for (const rule of silentFirst(obs.rules)) {
    let rs = state.rules[rule.name] ?? initialRuleState();
    const reading = readingFor(rule, d, obs, now);
    if (reading) {
      const prevNotified = rs.notified;
      const stepped = stepRule(rule.name, rule, rs, reading);
      rs = stepped.state;
      for (const t of stepped.transitions) raw.push({ rule, t, prevNotified });
      if (stepped.transitions.length === 0 && resendDue(rule, rs, reading.t)) {
        raw.push({
          rule,
          prevNotified,
          t: rawTransition(
            rule.name,
            'firing',
            'firing',
            reading.t,
            rs.since ?? reading.t,
            rs,
            true,
          ),
        });
      }
    }
    rules[rule.name] = rs;
  }
  d.rules = rules;

  const inhibitor = obs.rules.find((r) => r.kind === 'silent' && rules[r.name]?.phase === 'firing');

  const transitions: Transition[] = [];
  for (const { rule, t, prevNotified } of raw) {
    const suppressed = suppressionOf(rule, d, obs, inhibitor, now);
    // A resolution closes what receivers were told, so it is sent whenever an earlier
    // state of the episode was; everything else is held back while suppressed.
    // Pending is announced only by rules that ask for it (notify_pending).
    const notify =
      t.to === 'resolved'
        ? prevNotified !== null
        : suppressed === null && (t.to !== 'pending' || announcesPending(rule));
    transitions.push({ ...t, notify, suppressed });
    if (notify && t.to !== 'resolved') {
      const rs = { ...rules[rule.name]! };
      rs.notified = t.to;
      if (t.to === 'firing') rs.notified_at = t.at;
      rules[rule.name] = rs;
    }
  }

  // Catch-up: an alert whose current state was held back (silence or inhibition) is sent
  // once the suppression ends, exactly once.
  for (const rule of obs.rules) {
    const rs = rules[rule.name]!;
    if (
      rs.phase === 'inactive' ||
      rs.notified === rs.phase ||
      suppressionOf(rule, d, obs, inhibitor, now) !== null
    )
      continue;
    if (rs.phase === 'pending' && !announcesPending(rule)) continue;
    const at = rule.kind === 'silent' ? now : (rs.last_t ?? now);
    transitions.push({
      rule: rule.name,
      from: rs.phase,
      to: rs.phase,
      at,
      since: rs.since ?? at,
      value: Number.isFinite(rs.value) ? rs.value : null,
      reason: rs.reason,
      boot: rs.boot,
      seq: rs.seq,
      resend: false,
      notify: true,
      suppressed: null,
    });
    rules[rule.name] = {
      ...rs,
      notified: rs.phase,
      notified_at: rs.phase === 'firing' ? at : rs.notified_at,
    };
  }
  return { state: d, transitions };
}
