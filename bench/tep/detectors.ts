// The rows of the TEP report and how each is judged. The product and its rules read one
// agent run's metrics through the collector's rule engine (bench/skab/detectors.ts
// alarmsFromRules: the state in force after the last message with window_end ≤ the row's
// time). The PCA baselines are per-row statistics computed by the bench; each row's value is
// one metrics message carrying it as `drift`, judged by a copy of the collector's default
// `drift` rule (3 of 5 to fire, 3 clear readings under 80 % of the threshold to resolve)
// with a number as threshold — the same lifecycle as the product's rules.
import { DEFAULT_RULES } from '../../collector/config.ts';
import type { ThresholdRule } from '../../collector/rules/types.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import { alarmsFromRules, type DetectorInfo } from '../skab/detectors.ts';

/** A report row: the collector rules whose firing makes a row an alarm (null: every rule). */
export type RuleRow = DetectorInfo;

/** The product first, then each default rule (the band's two rules as one row). */
export const RULE_ROWS: readonly RuleRow[] = [
  {
    name: 'redband',
    description:
      'THE PRODUCT: agent (shipped tep-plant.yaml, models/tep-plant.onnx) → collector default rules; alarm = any rule firing',
    rules: null,
  },
  {
    name: 'level-shift',
    description:
      'rule level-shift: drift_mean (½ Hotelling T² of the input mean) > limits.drift_mean',
    rules: ['level-shift'],
  },
  {
    name: 'drift',
    description:
      'rule drift: Gaussian KL of the live MAE-latent sketch vs its warm-up baseline > limits.drift',
    rules: ['drift'],
  },
  {
    name: 'recon-error',
    description: 'rule recon-error: MAE masked-reconstruction error > limits.recon_mean',
    rules: ['recon-error'],
  },
  {
    name: 'input-coupling',
    description:
      "rule input-coupling: coupling_shift (KL of the inputs' live correlation vs the warm-up's) > limits.coupling_shift",
    rules: ['input-coupling'],
  },
  {
    name: 'band',
    description: 'rules over-coupling / over-compression: latent TC outside its warm-up band',
    rules: ['over-coupling', 'over-compression'],
  },
];

export const BASELINE_NAMES = ['pca_t2', 'pca_spe', 'pca_t2_99', 'pca_spe_99'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** One reading of a bench-side statistic, as the collector would receive it. */
function readingMessage(
  template: MetricsMessage,
  t: number,
  value: number,
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
    drift: value,
    drift_mean: null,
    limits: null,
    recon: null,
    sent_at: t,
  };
}

/** The default `drift` rule with a fixed threshold, as a baseline's rule. */
function thresholdRule(name: string, threshold: number): ThresholdRule {
  const base = DEFAULT_RULES.find((r) => r.name === 'drift') as ThresholdRule;
  const rule: ThresholdRule = {
    ...base,
    name,
    threshold,
    clear_threshold: threshold * (base.clear_fraction ?? 0.8),
  };
  delete rule.clear_fraction;
  return rule;
}

/** A per-row statistic of one scored file (one value per row, at the row's time). */
export interface StatisticSeries {
  times: Float64Array;
  values: Float64Array;
  template: MetricsMessage;
}

/** Rows alarmed by `series` judged against `threshold` through the rule lifecycle. */
export function lifecycleAlarms(series: StatisticSeries, threshold: number): Uint8Array {
  const messages = Array.from(series.values, (v, i) =>
    readingMessage(series.template, series.times[i]!, v, i),
  );
  const rule = thresholdRule('baseline', threshold);
  const alarms = alarmsFromRules(series.times, messages, [rule], { points: 16, min_points: 5 });
  return alarms.get('baseline')!;
}

const alarmRate = (a: Uint8Array): number => (100 * a.reduce((s, x) => s + x, 0)) / a.length;

/**
 * The threshold at which the lifecycle alarms on at most `targetFar` % of the normal
 * series' rows, as low as that allows (bisection; the alarmed share falls as the threshold
 * rises). FAR is discrete, so the result's FAR is ≤ the target, not always equal; it is
 * returned with the threshold.
 */
export function thresholdForFar(
  normal: StatisticSeries,
  targetFar: number,
): { threshold: number; far: number } {
  let max = 0;
  for (const v of normal.values) if (v > max) max = v;
  // above max no reading breaches: FAR 0
  let hi = max > 0 ? max * 1.01 : 1;
  let lo = 0;
  let hiFar = alarmRate(lifecycleAlarms(normal, hi));
  for (let i = 0; i < 60 && hi - lo > 1e-9 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    const far = alarmRate(lifecycleAlarms(normal, mid));
    if (far <= targetFar) {
      hi = mid;
      hiFar = far;
    } else lo = mid;
  }
  return { threshold: hi, far: hiFar };
}
