// Turns an observation into a reading for one rule: the value of the rule's field, whether
// it breaches, whether it is inside the inner clear threshold, and a one-line reason.
import { LIMIT_FIELDS, type Band, type MetricsMessage } from '../../shared/schema/index.ts';
import { scalarMeasure, type ScalarMeasure } from '../../shared/measures/types.ts';
import { DEFAULT_CLEAR_FRACTION } from '../../shared/detect/episode.ts';
import type { Reading } from './lifecycle.ts';
import type { DeviceState, LimitField, SilentRule, ThresholdRule } from './types.ts';

const INFINITE_NOTE = /∞|inf|singular/i;

/**
 * True when `measure` is null because it is +∞. The agent notes why a measure is null in
 * measures.notes, keyed by field (renyi is keyed 'renyi' or 'renyi.0.5'); a degenerate
 * 'non-finite' summary counts too.
 */
export function measureIsInfinite(m: MetricsMessage, measure: ScalarMeasure): boolean {
  const notes = m.measures?.notes ?? {};
  const keys = [measure, measure.replace(/_(\d)_(\d)$/, '.$1.$2'), measure.replace(/_.*$/, '')];
  if (measure.startsWith('renyi_')) keys.push(`renyi.${measure.slice(6).replace('_', '.')}`);
  return keys.some((k) => INFINITE_NOTE.test(notes[k] ?? ''));
}

/** The value of a rule field; +Infinity for a measure that is +∞; null when unknown. */
export function fieldValue(m: MetricsMessage, field: ThresholdRule['field']): number | null {
  switch (field) {
    case 'band_value': {
      if (m.band_value !== null) return m.band_value;
      return m.band && measureIsInfinite(m, m.band.measure) ? Infinity : null;
    }
    case 'drift':
      return m.drift;
    case 'drift_mean':
      return m.drift_mean ?? null;
    case 'recon_mean':
      return m.recon?.mean ?? null;
    case 'coupling_shift':
      return m.coupling_shift ?? null;
    default: {
      const measure = field.slice('measures.'.length) as ScalarMeasure;
      if (!m.measures) return null;
      const v = scalarMeasure(m.measures, measure);
      if (v !== null) return v;
      return measureIsInfinite(m, measure) ? Infinity : null;
    }
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '+∞';
}

/** The rule fields `threshold: device` applies to: those with a published limit. */
export const DEVICE_LIMIT_FIELDS: readonly string[] = LIMIT_FIELDS;

const isLimitField = (field: string): field is LimitField => DEVICE_LIMIT_FIELDS.includes(field);

/** The limit the agent published for a rule field (threshold: device), or null. */
export function deviceLimit(m: MetricsMessage, field: ThresholdRule['field']): number | null {
  return (isLimitField(field) ? m.limits?.[field] : undefined) ?? null;
}

/**
 * Thresholds of a rule: [fire, clear]; null without a band ('band') or without a published
 * limit ('device'): the rule then has no reading, which is neither a breach nor a recovery.
 */
export function thresholds(
  rule: ThresholdRule,
  band: Band | null,
  limit: number | null = null,
): [number, number] | null {
  if (rule.threshold === 'band') {
    if (!band) return null;
    const margin = rule.clear_margin * (band.high - band.low);
    return rule.op === 'above' ? [band.high, band.high - margin] : [band.low, band.low + margin];
  }
  if (rule.threshold === 'device') {
    if (limit === null) return null;
    const f = rule.clear_fraction ?? DEFAULT_CLEAR_FRACTION;
    return [limit, rule.op === 'above' ? limit * f : limit / f];
  }
  return [rule.threshold, rule.clear_threshold ?? rule.threshold];
}

/** A threshold rule's reading of one metrics message; null when it cannot be judged. */
export function thresholdReading(
  rule: ThresholdRule,
  m: MetricsMessage,
  band: Band | null,
): Reading | null {
  // Warm-up snapshots describe a baseline being learnt, not a model to judge.
  if (m.phase === 'warmup') return null;
  const v = fieldValue(m, rule.field);
  if (v === null) return null;
  const th = thresholds(
    rule,
    band,
    rule.threshold === 'device' ? deviceLimit(m, rule.field) : null,
  );
  if (th === null) return null;
  const [fire, clearAt] = th;
  const above = rule.op === 'above';
  const breach = above ? v > fire : v < fire;
  const clear = !breach && (above ? v <= clearAt : v >= clearAt);
  const label = rule.field === 'band_value' && band ? band.measure : rule.field;
  return new ThresholdReading(m.window_end, breach, clear, v, m.boot, m.seq, rule, label, th);
}

/**
 * A threshold rule's reading whose reason is formatted only when something asks for it: a
 * transition, or a rule state that tracks its readings (pending, firing). Most readings are of
 * an inactive rule in a healthy fleet and are never shown; formatting each one was about 1 KB
 * of strings a message.
 */
class ThresholdReading implements Reading {
  constructor(
    readonly t: number,
    readonly breach: boolean,
    readonly clear: boolean,
    readonly value: number,
    readonly boot: string,
    readonly seq: number,
    private readonly rule: ThresholdRule,
    private readonly label: string,
    /** [fire, clear] thresholds */
    private readonly th: readonly [number, number],
  ) {}

  private text: string | undefined;

  /** formatted once: a transition and the rule state that tracks it both read it */
  get reason(): string {
    return (this.text ??= this.format());
  }

  private format(): string {
    const { rule, value: v } = this;
    const [fire, clearAt] = this.th;
    const above = rule.op === 'above';
    const edge =
      rule.threshold === 'band'
        ? `band ${above ? 'high' : 'low'} ${fmt(fire)}`
        : rule.threshold === 'device'
          ? `device limit ${fmt(fire)}`
          : fmt(fire);
    const side = above ? 'above' : 'below';
    if (this.breach) {
      return `${this.label} = ${fmt(v)} ${side} ${edge}${v === Infinity ? ' (collapse)' : ''}`;
    }
    // inside the edge but not back past the hysteresis line: a firing rule does not clear here
    const hysteresis = this.clear ? '' : `, ${side} its clear line ${fmt(clearAt)}`;
    return `${this.label} = ${fmt(v)} within ${edge}${hysteresis}`;
  }
}

/** The silent rule's reading at wall time `now`, or null before anything was heard. */
export function silentReading(
  rule: SilentRule,
  d: DeviceState,
  now: number,
  staleFrom: number | undefined,
): Reading | null {
  const periodS = d.publish_period_s ?? rule.default_period_s;
  const limitMs = rule.periods * periodS * 1000;
  const offline =
    d.status === 'offline' &&
    (d.last_metrics_wall === null ||
      (d.status_wall !== null && d.last_metrics_wall <= d.status_wall));
  const heard = d.last_metrics_wall ?? d.status_wall;
  if (heard === null) return null;
  const value = d.last_metrics_wall === null ? null : (now - d.last_metrics_wall) / 1000;
  // A device that said goodbye at a clean stop is not silent: it is quiet on purpose until
  // it is heard again (a crash or a lost connection sends the last will, reason 'lost').
  if (offline && d.status_reason === 'stopped') {
    const reason = 'device stopped cleanly';
    return { t: now, breach: false, clear: true, value, reason, boot: null, seq: null };
  }
  // an online status is a sign of life too: a device back after a long clean stop is not
  // stale before its first snapshot is due
  const online = d.status === 'online' && d.status_wall !== null ? d.status_wall : -Infinity;
  const ref = Math.max(heard, online, staleFrom ?? -Infinity);
  const quietMs = now - ref;
  const stale = quietMs > limitMs;
  const breach = offline || stale;
  const reason = offline
    ? 'device reported offline'
    : stale
      ? `no metrics for ${Math.round(quietMs / 1000)} s (${rule.periods} × ${periodS} s period)`
      : 'metrics arriving';
  return { t: now, breach, clear: !breach, value, reason, boot: null, seq: null };
}
