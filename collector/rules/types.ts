// Types of the alert evaluator: rules (as parsed from config, durations in ms), the
// per-device state it threads through, what it observes, and what it reports.
import type {
  Band,
  MetricsMessage,
  RebaselineInfo,
  StatusMessage,
} from '../../shared/schema/index.ts';
import type { ScalarMeasure } from '../../shared/measures/types.ts';

/** `for`: a data-time duration, or N breaching readings among the last M. */
export type ForSpec = { kind: 'duration'; ms: number } | { kind: 'n-of-m'; n: number; m: number };

export interface Lifecycle {
  for: ForSpec;
  /** the clear condition must hold this long (rule time) before resolving */
  clear_for_ms: number;
  /**
   * …and hold in at least `n` of the last `m` readings (the current one included) while
   * firing; absent/null: no count. `{ n: 3, m: 3 }` = three clear readings in a row.
   */
  clear_readings?: { n: number; m: number } | null;
  /**
   * publish the inactive → pending transition (and the resolution of a pending episode that
   * never fired); absent = true. The built-in rules set false: only firing pages anyone.
   */
  notify_pending?: boolean;
  /** keep firing this long after the last breaching reading */
  keep_firing_for_ms: number;
  /** re-send a firing notification after this long (rule time); null = never */
  resend_interval_ms: number | null;
  /**
   * A firing episode also clears when the value stays under this fraction of its in-episode
   * median (the process settled at a new level); the rule then holds that level as its firing
   * edge until a reading clears normally (the device re-baselined or returned). null: off.
   */
  clear_relative?: number | null;
}

export type RuleField =
  | 'band_value'
  | 'drift'
  | 'drift_mean'
  | 'recon_mean'
  | 'coupling_shift'
  | `measures.${ScalarMeasure}`;

/** Fields for which an agent may publish its own threshold in `metrics.limits`. */
export type { LimitField } from '../../shared/schema/metrics.ts';

export interface ThresholdRule extends Lifecycle {
  kind: 'threshold';
  name: string;
  field: RuleField;
  op: 'above' | 'below';
  /**
   * a number; 'band': band.high for 'above', band.low for 'below'; 'device': the limit the
   * agent publishes for this field in metrics.limits (no limit in a message: no reading)
   */
  threshold: number | 'band' | 'device';
  /**
   * Hysteresis. For a 'band' threshold: clear once back inside the band by this fraction
   * of the band width. For a numeric threshold it is ignored; see clear_threshold.
   */
  clear_margin: number;
  /** numeric thresholds: clear at or inside this value (defaults to the threshold) */
  clear_threshold: number | null;
  /**
   * 'device' thresholds: clear at or below this fraction of the limit ('above'; for 'below'
   * at or above limit / fraction). Absent = 0.8.
   */
  clear_fraction?: number;
}

export interface SilentRule extends Lifecycle {
  kind: 'silent';
  name: string;
  /** silent after this many publish periods without metrics */
  periods: number;
  /** period used when the device's status does not carry publish_period_s */
  default_period_s: number;
}

export type Rule = ThresholdRule | SilentRule;

export interface SilenceMatchers {
  fleet?: string;
  device?: string;
  rule?: string;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  /** wall clock, epoch ms; active while starts_at ≤ now < ends_at */
  starts_at: number;
  ends_at: number;
  comment: string;
  created_at: number;
}

export type Phase = 'inactive' | 'pending' | 'firing';

export interface RuleState {
  phase: Phase;
  /** start of the current episode (rule time: data time, or wall time for silent rules) */
  since: number | null;
  clear_since: number | null;
  last_breach: number | null;
  /** N-of-M: recent readings, 1 = breach, newest last */
  window: number[];
  /** clear_readings: recent readings while firing, 1 = clear, newest last */
  clear_window?: number[];
  /** rule time of the newest reading applied; older readings are ignored */
  last_t: number | null;
  value: number | null;
  reason: string;
  boot: string | null;
  seq: number | null;
  /** last state notified in this episode: what a restart must not repeat */
  notified: 'pending' | 'firing' | null;
  notified_at: number | null;
  /** clear_relative: the firing episode's most recent breaching values (at most EPISODE_LEVELS) */
  levels?: number[];
  /** clear_relative: after a relative clear, readings at or under this level do not breach */
  held?: number | null;
}

export interface TrendPoint {
  t: number;
  v: number;
}

/** Why a forecast says what it says (forecast.ts); only 'exit' and 'outside' carry an eta. */
export type ForecastStatus =
  /** the device has no band yet */
  | 'no-band'
  /** fewer points than min_points (or 3) */
  | 'too-few-points'
  /** the points share one time: no slope */
  | 'no-time-spread'
  /** the points are so autocorrelated that fewer than 3 independent ones remain */
  | 'too-few-effective-points'
  /** the slope's confidence interval contains zero */
  | 'not-significant'
  /** significant, but towards the band's center */
  | 'inward'
  /** significant and outward, but the edge is further away than the horizon */
  | 'beyond-horizon'
  /** leaves the band in eta_s */
  | 'exit'
  /** the newest value is already outside the band (eta_s 0) */
  | 'outside';

export interface Forecast {
  /** the fitted slope when the trend is significant, else null */
  slope_per_hour: number | null;
  /** seconds to the band edge: 0 outside, a number for 'exit', else null ("stable") */
  eta_s: number | null;
  status: ForecastStatus;
  /** confidence level of the slope's interval */
  level: number;
  /** [low, high] at `level`, when the trend is significant */
  slope_ci_per_hour: [number, number] | null;
  /** how far ahead an exit is forecast (seconds; the fit's own span unless configured) */
  horizon_s: number | null;
}

export interface DeviceState {
  fleet: string;
  device: string;
  band: Band | null;
  band_value: number | null;
  /** band_value is null because the measure is +∞ (collapse) */
  band_value_infinite: boolean;
  last_window_end: number | null;
  last_boot: string | null;
  last_seq: number | null;
  /** wall clock of the last accepted metrics */
  last_metrics_wall: number | null;
  status: 'online' | 'offline' | null;
  status_wall: number | null;
  /** offline: 'stopped' (the device's goodbye at a clean stop) or 'lost' (its last will) */
  status_reason?: 'stopped' | 'lost' | null;
  publish_period_s: number | null;
  rules: Record<string, RuleState>;
  /** the band measure's recent points; the forecast is derived from them when read (forecast.ts) */
  trend: TrendPoint[];
  /** the device's most recent level-shift re-baselines (metrics.rebaseline), newest last */
  rebaselines?: RebaselineInfo[];
}

/** Re-baselines a device state keeps: what an operator reviewing the device needs to see. */
export const REBASELINES_KEPT = 5;

export interface ForecastConfig {
  /** points kept for the fit */
  points: number;
  /** fewer points than this: no forecast */
  min_points: number;
  /** two-sided confidence level of the slope's interval; absent: DEFAULT_FORECAST_LEVEL */
  level?: number;
  /** forecast an exit at most this far ahead (seconds); absent: the span of the points */
  horizon_s?: number;
}

export type ObservedEvent =
  | { kind: 'metrics'; metrics: MetricsMessage }
  | { kind: 'status'; status: StatusMessage }
  /** wall-clock check; stale_from: no `silent` verdict counts time before this (collector start) */
  | { kind: 'tick'; stale_from?: number };

export type Observation = ObservedEvent & {
  rules: readonly Rule[];
  silences: readonly Silence[];
  forecast: ForecastConfig;
};

export type Suppression = { by: 'silence'; id: string } | { by: 'inhibited'; rule: string } | null;

export interface Transition {
  rule: string;
  from: Phase;
  /** from === to for a resend or a catch-up notification (after a silence or inhibition ended) */
  to: 'pending' | 'firing' | 'resolved';
  at: number;
  since: number;
  value: number | null;
  reason: string;
  boot: string | null;
  seq: number | null;
  resend: boolean;
  /** true when this is to be published */
  notify: boolean;
  suppressed: Suppression;
}

export interface EvalResult {
  state: DeviceState;
  transitions: Transition[];
}
