// The level-shift statistic of the inputs (shared/detect/mean-shift.ts): the normalized
// samples of the watched channels feed a MeanShiftDetector whose baseline (μ₀, Σ₀) is fitted
// on the samples of the warm-up's fit part; every window then carries D_mean of the sliding
// mean of the last `meanWindow` samples at its last sample. Each sample is added once: the
// first window adds its T rows, every later one its last H (the rows new since the previous
// window), so the stage sees the sample stream although it runs on windows.
//
// After the warm-up the stage also follows the statistic's episodes (shared/detect/episode.ts)
// against the drift_mean limit it calibrates on the held-out warm-up windows — the same values
// and rule as the published limit (limits.ts), computed here because this stage runs ahead of
// the inference queue and must not wait for the summary. While an episode is open μ₀ does not
// adapt; when one settles at a new level the baseline is re-fitted there (after
// `rebaselineAfterMs`, or when the control's request() is called), and the control carries
// the event to the summary.
//
// Once per reading (every `readEvery` windows, as the snapshots fall) the stage also says which
// channels are behind the statistic (shared/detect/attribution.ts): each channel's share of
// drift_mean, and the change of each channel's coupling to the others in the input space — a
// forgetting covariance of the watched samples (memory `couplingWindow` samples) against the
// mean of the same estimate over the held-out warm-up readings. Against the same estimator, not
// the warm-up's full covariance: a short forgetting estimate of autocorrelated samples is
// biased, and comparing it with a long one would show a change on a healthy device.
//
// Opt-in (`couplingShift`, config detect.coupling): the same forgetting covariance, with the
// configured memory, also gives every reading a scalar coupling_shift — the KL between its
// correlation matrix and the warm-up fit part's (shared/detect/coupling-shift.ts) — whose
// limit is calibrated on the held-out readings like drift_mean's. Off, nothing of it runs.
import type { OperatorFunction } from 'rxjs';
import { ForgettingCovariance } from '../../../shared/covariance/forgetting.ts';
import {
  channelCoupling,
  couplingChange,
  rankChannels,
} from '../../../shared/detect/attribution.ts';
import { CouplingReference } from '../../../shared/detect/coupling-shift.ts';
import { MeanShiftDetector } from '../../../shared/detect/mean-shift.ts';
import { RunningCovariance } from '../../../shared/covariance/welford.ts';
import {
  holdsBaseline,
  QUIET,
  stepEpisode,
  type EpisodePolicy,
  type EpisodeState,
} from '../../../shared/detect/episode.ts';
import { LimitsCalibration } from '../limits.ts';
import { runChunkedStage, type Stage, type StageRegistry } from '../stage.ts';
import type { InputAttribution, ModelWindow, RebaselineEvent } from '../types.ts';

/** Channels each published attribution list names. */
export const ATTRIBUTION_TOP = 3;
/**
 * An attribution is published once its statistic is past this fraction of the way to its
 * limit (or from the band's center to its edge): every reading that can raise or hold an
 * alert carries one (the built-in rules fire above the limit and clear under 0.8 of it),
 * while healthy snapshots pay neither the arithmetic nor the bytes.
 */
export const ATTRIBUTION_FROM = 0.5;

export interface LevelShiftOptions {
  /** samples per window (T) and channels per sample (C) of a model window */
  window: number;
  channels: number;
  hop: number;
  /** indices (into the model's channels) of the channels watched, and their names */
  watch: readonly number[];
  watchNames?: readonly string[];
  /** samples in the sliding mean */
  meanWindow: number;
  /** windows whose samples fit the baseline (the warm-up's fit part, F) */
  fitWindows: number;
  /** windows of warm-up (W ≥ F); windows F+1…W calibrate the limit. Default F: no episodes */
  warmupWindows?: number;
  /** margin and least value of the calibrated limit (as the published limits) */
  limitMargin?: number;
  limitFloor?: number;
  /** time constant of μ₀'s adaptation in samples; 0: μ₀ stays as fitted */
  adaptWindow?: number;
  /** when episodes end and the baseline is re-fitted; omitted: no episode tracking */
  episodes?: EpisodePolicy;
  /** windows per reading of the episode tracker: the snapshot period, as the collector reads */
  readEvery?: number;
  /** operator re-baselines: the stage polls it once per window */
  control?: RebaselineControl;
  /** memory, in samples, of the input-coupling estimate; default `defaultCouplingWindow` */
  couplingWindow?: number;
  /**
   * publish coupling_shift each reading: `window` is then the coupling estimate's memory (it
   * overrides couplingWindow), `floor` its limit's least value; omitted: off
   */
  couplingShift?: { window: number; floor?: number };
}

/**
 * Five readings' worth of samples, so the estimate follows a fault about as fast as the
 * readings that judge it, and at least 10 samples per channel, so a correlation matrix of k
 * channels is estimated from several times k samples.
 */
export function defaultCouplingWindow(k: number, hop: number, readEvery: number): number {
  return Math.max(10 * k, 5 * readEvery * hop);
}

/** Rounded for the wire: four decimals are more than any reader of a share needs. */
export const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The watched channels' coupling to each other, live against the held-out warm-up's mean. */
class InputCoupling {
  private readonly live: ForgettingCovariance;
  private readonly baseline: Float64Array;
  private readings = 0;
  constructor(
    readonly k: number,
    window: number,
  ) {
    if (!(window > 1)) throw new RangeError(`couplingWindow must be > 1 sample, got ${window}`);
    this.live = new ForgettingCovariance(k, 1 / window);
    this.baseline = new Float64Array(k);
  }
  push(row: Float64Array): void {
    this.live.push(row);
  }
  /** the live covariance now, for a later `change` */
  snapshot(): Float64Array {
    return this.live.covariance();
  }
  calibrate(): void {
    const c = channelCoupling(this.live.covariance(), this.k);
    this.readings++;
    for (let i = 0; i < this.k; i++)
      this.baseline[i]! += (c[i]! - this.baseline[i]!) / this.readings;
  }
  /** live (a `snapshot`) − baseline per channel; null before any held-out reading */
  change(covariance: Float64Array): Float64Array | null {
    if (this.readings === 0) return null;
    return couplingChange(channelCoupling(covariance, this.k), this.baseline);
  }
}

/** coupling_shift: the fit part's correlation as reference, then a value per reading. */
class CouplingShiftTracker {
  private fit: RunningCovariance | null;
  private reference: CouplingReference | null = null;
  constructor(readonly k: number) {
    this.fit = new RunningCovariance(k);
  }
  /** a sample of the warm-up's fit part */
  push(row: Float64Array): void {
    this.fit?.push(row);
  }
  /** the fit part is over: its correlation becomes the reference (fewer than 2 samples: none) */
  freeze(): void {
    if (this.fit && this.fit.n >= 2)
      this.reference = new CouplingReference(this.fit.covariance(), this.k);
    this.fit = null;
  }
  get fitting(): boolean {
    return this.fit !== null;
  }
  /** null before the reference is set */
  value(covariance: Float64Array): number | null {
    return this.reference ? this.reference.shift(covariance) : null;
  }
}

/**
 * Between the agent, the level-shift stage and the summary: an operator's request to re-fit
 * the baseline now, and the re-fits made. The events go beside the windows, not on them: a
 * live source's bounded queue may drop the very window a re-fit happened at, and the event
 * must still be published (with the first snapshot that reaches its time).
 */
export class RebaselineControl {
  private pending: string | null = null;
  private readonly events: RebaselineEvent[] = [];
  request(reason: string): void {
    this.pending = reason;
  }
  take(): string | null {
    const r = this.pending;
    this.pending = null;
    return r;
  }
  post(e: RebaselineEvent): void {
    this.events.push(e);
  }
  /** the posted re-fits at or before data time `t` (all of them: Infinity), oldest first */
  due(t: number): RebaselineEvent[] {
    let n = 0;
    while (n < this.events.length && this.events[n]!.at <= t) n++;
    return this.events.splice(0, n);
  }
}

/** Samples added by the first `windows` windows: T, then H per window. */
export function samplesOfWindows(o: Pick<LevelShiftOptions, 'window' | 'hop'>, windows: number) {
  return windows <= 0 ? 0 : o.window + (windows - 1) * o.hop;
}

export function createLevelShiftStage(o: LevelShiftOptions): Stage<ModelWindow, ModelWindow> {
  const { window: t, channels: c, hop, watch } = o;
  for (const i of watch) {
    if (!Number.isInteger(i) || i < 0 || i >= c) throw new RangeError(`no channel #${i}`);
  }
  const names = o.watchNames ?? watch.map((i) => `#${i}`);
  const detector = new MeanShiftDetector({
    k: watch.length,
    window: o.meanWindow,
    fitSamples: Math.max(2, samplesOfWindows(o, o.fitWindows)),
    adaptWindow: o.adaptWindow ?? 0,
  });
  const warmup = Math.max(o.warmupWindows ?? o.fitWindows, o.fitWindows);
  const calibration = new LimitsCalibration(o.limitMargin, undefined, {
    ...(o.limitFloor === undefined ? {} : { drift_mean: o.limitFloor }),
    ...(o.couplingShift?.floor === undefined ? {} : { coupling_shift: o.couplingShift.floor }),
  });
  let limit: number | null = null;
  let shiftLimit: number | null = null;
  let episode: EpisodeState = QUIET;
  let windows = 0;
  const readEvery = o.readEvery ?? 1;
  const row = new Float64Array(watch.length);
  let first = true;
  const { coupling, shift } = inputCoupling(o, readEvery);

  const attribute = (value: number | null, covariance: Float64Array | null) =>
    attributeInputs({ detector, coupling, shift, names }, value, covariance, limit, shiftLimit);

  const rebaseline = (at: number, reason: string): RebaselineEvent | null => {
    const r = detector.rebaseline();
    if (!r) return null;
    const shift: Record<string, number> = {};
    names.forEach((n, j) => (shift[n] = r.shift[j]!));
    return { at, reason, shift };
  };

  /** the episode step of one live window; returns its event, if any */
  const follow = (w: ModelWindow, value: number): RebaselineEvent | null => {
    const asked = o.control?.take() ?? null;
    if (asked !== null) {
      episode = QUIET;
      return rebaseline(w.end, asked);
    }
    if (!o.episodes || limit === null || (windows - warmup) % readEvery !== 0) return null;
    const step = stepEpisode(episode, { t: w.end, value, limit }, o.episodes);
    episode = step.state;
    detector.paused = holdsBaseline(episode);
    const a = step.action;
    if (a.kind !== 'rebaseline') return null;
    const settled = Math.round((w.end - a.since) / 1000);
    return rebaseline(w.end, `automatic: the episode of ${settled} s settled at a new level`);
  };

  return {
    name: 'level-shift',
    push(w, emit) {
      const from = first ? 0 : t - hop;
      first = false;
      for (let r = from; r < t; r++) {
        const base = r * c;
        for (let j = 0; j < watch.length; j++) row[j] = w.x[base + watch[j]!]!;
        detector.add(row);
        coupling?.push(row);
        if (shift?.fitting) shift.push(row);
      }
      windows++;
      const reading = windows % readEvery === 0;
      if (shift?.fitting && windows >= o.fitWindows) shift.freeze();
      let value = detector.value();
      if (windows > o.fitWindows && windows <= warmup) {
        calibration.add('drift_mean', value);
        if (reading) coupling?.calibrate();
        if (reading && shift) calibration.add('coupling_shift', shift.value(coupling!.snapshot()));
        if (windows === warmup) {
          const derived = calibration.derive();
          limit = derived?.drift_mean ?? null;
          shiftLimit = derived?.coupling_shift ?? null;
        }
      } else if (windows > warmup && (value !== null || shift)) {
        const event = value === null ? null : follow(w, value);
        if (event) {
          o.control?.post(event);
          value = detector.value();
        }
        const a = reading ? attribute(value, coupling?.snapshot() ?? null) : undefined;
        if (a) w.attribution = a;
      }
      w.driftMean = value;
      emit(w);
    },
  };
}

/**
 * The watched channels' coupling estimate (for attribution) and, when the class enables it,
 * the coupling shift tracker; one channel has no "others" to be coupled to.
 */
function inputCoupling(o: LevelShiftOptions, readEvery: number) {
  const k = o.watch.length;
  const coupling =
    k < 2
      ? null
      : new InputCoupling(
          k,
          o.couplingShift?.window ?? o.couplingWindow ?? defaultCouplingWindow(k, o.hop, readEvery),
        );
  const shift = coupling && o.couplingShift ? new CouplingShiftTracker(k) : null;
  return { coupling, shift };
}

interface AttributionParts {
  detector: MeanShiftDetector;
  coupling: InputCoupling | null;
  shift: CouplingShiftTracker | null;
  names: readonly string[];
}

/**
 * A reading's attribution: the channels' shares of drift_mean if it is high (past
 * ATTRIBUTION_FROM of its limit), the coupling change on demand, and the coupling shift with
 * its limit; undefined when there is nothing to say.
 */
function attributeInputs(
  p: AttributionParts,
  value: number | null,
  covariance: Float64Array | null,
  limit: number | null,
  shiftLimit: number | null,
): InputAttribution | undefined {
  const out: InputAttribution = {};
  const high = value !== null && (limit === null || value > ATTRIBUTION_FROM * limit);
  const shares = high ? p.detector.contributions() : null;
  if (shares) {
    out.drift_mean = rankChannels(shares, ATTRIBUTION_TOP).map((r) => ({
      channel: p.names[r.index]!,
      share: round4(r.value),
    }));
  }
  const coupling = p.coupling;
  if (coupling && covariance) {
    out.coupling = () => {
      const change = coupling.change(covariance);
      const top = change ? rankChannels(change, ATTRIBUTION_TOP, 'abs') : [];
      return top.map((r) => ({ channel: p.names[r.index]!, delta: round4(r.value) }));
    };
  }
  const v = p.shift && covariance ? p.shift.value(covariance) : null;
  if (v !== null) out.coupling_shift = { value: v, limit: shiftLimit };
  return out.drift_mean || out.coupling || out.coupling_shift ? out : undefined;
}

/** The stage over the arrays of windows the prepare stage emits (one call per chunk). */
export const levelShiftChunks = (
  o: LevelShiftOptions,
  registry: StageRegistry,
): OperatorFunction<readonly ModelWindow[], ModelWindow[]> =>
  runChunkedStage(createLevelShiftStage(o), registry);
