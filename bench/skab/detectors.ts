// How a row is judged. The product: the agent's metrics messages go, unchanged and in order,
// through the collector's rule engine (`evaluate`) with the collector's rules (its defaults
// unless the bench is given a collector config); a row is "alarm" when a rule is firing in
// the state in force after the last message whose window_end ≤ the row's time (causal:
// nothing later is read). The per-rule rows read the same run's state of each rule.
// The comparison baseline (t2-raw) is a statistic the bench computes on the raw rows; it is
// judged by the same engine, with the default `drift` rule's lifecycle and a number as
// threshold, calibrated on the held-out part of the agent's warm-up.
import { evaluate, initialDeviceState } from '../../collector/rules/evaluate.ts';
import type { Observation, Rule, ThresholdRule } from '../../collector/rules/types.ts';
import { DEFAULT_RULES } from '../../collector/config.ts';
import { calibratedThreshold, MeanShiftDetector } from '../../shared/detect/mean-shift.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import type { SkabBenchConfig } from './config.ts';

export interface DetectorInfo {
  name: string;
  description: string;
  /**
   * the rules whose firing makes a row an alarm: null = every validated rule (the product),
   * [] = none (a bench-side baseline)
   */
  rules: readonly string[] | null;
}

/** The head row first. */
export const DETECTORS: readonly DetectorInfo[] = [
  {
    name: 'redband',
    description:
      'THE PRODUCT: agent (the device config) → collector rules; alarm = any validated rule firing',
    rules: null,
  },
  {
    name: 'level-shift',
    description:
      'rule level-shift: drift_mean (mean term of the KL of the sliding mean) > limits.drift_mean',
    rules: ['level-shift'],
  },
  {
    name: 'drift',
    description: 'rule drift: full Gaussian KL drift of the MAE latent > limits.drift',
    rules: ['drift'],
  },
  {
    name: 'recon-error',
    description:
      'rule recon-error: MAE masked-reconstruction error > limits.recon_mean (recon-only baseline)',
    rules: ['recon-error'],
  },
  {
    name: 'band',
    description: 'rules over-coupling / over-compression: latent TC outside its warm-up band',
    rules: ['over-coupling', 'over-compression'],
  },
  {
    name: 't2-raw',
    description:
      'baseline (bench-side): Hotelling T² per row on every raw channel standardized by its fit rows, default drift-rule lifecycle',
    rules: [],
  },
];

/** Per row: 1 while any of the named rules is firing. */
export type RuleAlarms = Map<string, Uint8Array>;

/**
 * Replays `messages` through the rule engine and records, for every row, each rule's phase
 * in the state in force at the row's time. `now` is the message's data time (the collector
 * would use its wall clock; only the `silent` rule reads it, and metrics keep it quiet).
 */
export function alarmsFromRules(
  times: Float64Array,
  messages: readonly MetricsMessage[],
  rules: readonly Rule[],
  forecast: Observation['forecast'],
): RuleAlarms {
  const out: RuleAlarms = new Map(rules.map((r) => [r.name, new Uint8Array(times.length)]));
  let state = initialDeviceState(messages[0]?.fleet ?? 'bench', messages[0]?.device ?? 'skab');
  let m = 0;
  for (let i = 0; i < times.length; i++) {
    while (m < messages.length && messages[m]!.window_end <= times[i]!) {
      const metrics = messages[m]!;
      const obs: Observation = {
        kind: 'metrics',
        metrics,
        rules: rules as Rule[],
        silences: [],
        forecast,
      };
      state = evaluate(state, obs, metrics.window_end).state;
      m++;
    }
    for (const r of rules) if (state.rules[r.name]?.phase === 'firing') out.get(r.name)![i] = 1;
  }
  return out;
}

/** 1 where any of `names` (every rule when null) is firing. */
export function anyOf(alarms: RuleAlarms, names: readonly string[] | null, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (const [name, a] of alarms) {
    if (names !== null && !names.includes(name)) continue;
    for (let i = 0; i < n; i++) out[i]! |= a[i]!;
  }
  return out;
}

/** A metrics message carrying one `drift` value: how a raw-sample statistic meets the rules. */
function driftMessage(
  template: MetricsMessage,
  t: number,
  drift: number,
  seq: number,
): MetricsMessage {
  return {
    ...template,
    seq,
    window_start: t,
    window_end: t,
    windows: 1,
    phase: 'live',
    band: null,
    band_value: null,
    measures: null,
    degenerate: null,
    drift,
    drift_mean: null,
    limits: null,
    recon: null,
    sent_at: t,
  };
}

export interface BaselineRun {
  alarms: Uint8Array;
  threshold: number;
}

/**
 * Each channel as z-scores of its rows [0, fitRows). T² itself does not care about units, but
 * the detector's ridge is relative to the mean variance: in raw units that is set by the
 * channel with the largest variance (SKAB: Voltage) and swamps the small ones (the
 * accelerometers). A channel constant over the fit rows keeps σ = 1 (its ridge then decides).
 */
export function standardizeByFit(rows: readonly Float64Array[], fitRows: number): Float64Array[] {
  const k = rows[0]?.length ?? 0;
  const n = Math.min(fitRows, rows.length);
  const mu = new Float64Array(k);
  const sd = new Float64Array(k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) mu[j]! += rows[r]![j]! / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) sd[j]! += (rows[r]![j]! - mu[j]!) ** 2;
  for (let j = 0; j < k; j++) sd[j] = n > 1 && sd[j]! > 0 ? Math.sqrt(sd[j]! / (n - 1)) : 1;
  return rows.map((row) => row.map((v, j) => (v - mu[j]!) / sd[j]!));
}

/**
 * t2-raw: per-row Hotelling T² (MeanShiftDetector with a 1-sample mean) of every raw channel,
 * standardized by rows [0, fitRows), against those rows; threshold calibrated on rows [fitRows, warmupRows); judged by
 * the collector's default `drift` rule with that number as threshold (clear at 80 % of it).
 */
export function t2RawBaseline(
  f: { times: Float64Array; rows: Float64Array[]; template: MetricsMessage },
  split: { fitRows: number; warmupRows: number },
  cfg: SkabBenchConfig,
): BaselineRun {
  const k = f.rows[0]!.length;
  const det = new MeanShiftDetector({ k, window: 1, fitSamples: split.fitRows });
  const readings: MetricsMessage[] = [];
  const calibration: number[] = [];
  standardizeByFit(f.rows, split.fitRows).forEach((row, i) => {
    const v = det.push(row);
    if (v === null) return;
    if (i < split.warmupRows) calibration.push(v);
    else readings.push(driftMessage(f.template, f.times[i]!, v, readings.length));
  });
  const threshold =
    calibration.length === 0
      ? Number.POSITIVE_INFINITY
      : calibratedThreshold(calibration, cfg.threshold.quantile, cfg.threshold.margin);
  const base = DEFAULT_RULES.find((r) => r.name === 'drift') as ThresholdRule;
  const rule: ThresholdRule = {
    ...base,
    name: 't2-raw',
    threshold,
    clear_threshold: threshold * (base.clear_fraction ?? 0.8),
  };
  delete rule.clear_fraction;
  const alarms = alarmsFromRules(f.times, readings, [rule], { points: 16, min_points: 5 });
  return { alarms: alarms.get('t2-raw')!, threshold };
}
