// Sketch and snapshot: every latent vector updates the covariance sketches, and every P
// windows the live sketch is summarized into a Snapshot (measures, drift against the
// baseline, reconstruction error of the period, band, level shift of the inputs, limits).
// Rows are handled one at a time so a snapshot covers exactly P windows even when a batch
// straddles the period boundary.
//
// A live snapshot also names the channels behind its statistics (metrics.attribution): the
// level-shift stage's latest reading (drift_mean shares, input coupling change), and the
// period's reconstruction error per channel in excess of that channel's warm-up level.
import type { OperatorFunction } from 'rxjs';
import { computeMeasuresFrom } from '../../../shared/measures/compute.ts';
import {
  DriftBaseline,
  gaussianKlDrift,
  gaussianKlDriftFrom,
  type DriftResult,
} from '../../../shared/measures/drift.ts';
import { scalarMeasure, type ScalarMeasure } from '../../../shared/measures/types.ts';
import { excessShares, rankChannels } from '../../../shared/detect/attribution.ts';
import type { RunningCovariance } from '../../../shared/covariance/welford.ts';
import type { Band } from '../../../shared/schema/common.ts';
import type { Attribution, MetricsMessage } from '../../../shared/schema/metrics.ts';
import { warmupBand } from '../band.ts';
import { LimitsCalibration, type Limits } from '../limits.ts';
import type { PipelineCounters } from '../counters.ts';
import type { Sketches } from '../sketches.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import { quantile } from '../stats.ts';
import type { ChannelErrors, InferredBatch, InputAttribution } from '../types.ts';
import type { RebaselineControl } from './level-shift.ts';
import { ATTRIBUTION_FROM, ATTRIBUTION_TOP, round4 } from './level-shift.ts';

/** The data part of a metrics message; the publisher adds identity, seq, health and time. */
export type Snapshot = Pick<
  MetricsMessage,
  | 'window_start'
  | 'window_end'
  | 'windows'
  | 'phase'
  | 'warmup'
  | 'band'
  | 'band_value'
  | 'measures'
  | 'degenerate'
  | 'drift'
  | 'drift_note'
  | 'recon'
  | 'drift_mean'
  | 'coupling_shift'
  | 'limits'
  | 'rebaseline'
  | 'attribution'
>;

export interface SummarizeOptions {
  sketches: Sketches;
  /** windows per snapshot (P) */
  period: number;
  /** windows of warm-up (W); 0 when neither the baseline nor the band needs one */
  warmup: number;
  /**
   * Windows of the warm-up that fit the baseline (F ≤ W); windows F+1…W are held out to
   * calibrate the limits (limits.ts). Default W: no held-out part, no limits.
   */
  fit?: number;
  /**
   * Windows the live sketch needs to turn over (its memory: 2/β forgetting, the size sliding).
   * A warm-up band uses only snapshots from then on (an immature sketch is biased), and the
   * drift limit only snapshots taken that long after the freeze: before, the live sketch still
   * holds the very windows the baseline was fitted on and the drift is too low. Default 0.
   */
  settle?: number;
  /** margin of the calibrated limits (median + margin × (max − median)) */
  limitMargin?: number;
  /** least limits (LimitsCalibration) */
  limitFloors?: Partial<Limits>;
  /** the band known up front (config or model), or null to derive it at the end of warm-up */
  band: Band | null;
  /** the measure a warm-up band is derived on */
  bandMeasure: ScalarMeasure;
  /** a warm-up band's least half-width, relative to |center| (default band.ts's 10 %) */
  bandFloor?: number;
  counters: PipelineCounters;
  /** called once when the baseline freezes, e.g. to save it */
  onBaselineFrozen?: (baseline: RunningCovariance) => void;
  /** the level-shift stage's re-fits, published with the first snapshot reaching their time */
  rebaselines?: Pick<RebaselineControl, 'due'>;
}

/** fewest settled warm-up snapshots a band is derived from; fewer: every warm-up snapshot */
export const MIN_SETTLED_SNAPSHOTS = 5;

const WARMUP_NOTE = 'warm-up: nothing is judged until the baseline and limits are set';

export function createSummarizeStage(opts: SummarizeOptions): Stage<InferredBatch, Snapshot> {
  const { sketches, period, warmup, bandMeasure, counters } = opts;
  const fit = Math.min(opts.fit ?? warmup, warmup);
  const settle = opts.settle ?? 0;
  let band = opts.band;
  let limits: Limits | null = null;
  const calibration = new LimitsCalibration(opts.limitMargin, undefined, opts.limitFloors);
  let total = 0;
  let inWarmup = warmup > 0;
  /** the band measure over the warm-up snapshots: all of them, and those after `settle` */
  const warmupValues: number[] = [];
  const settledValues: number[] = [];
  let errors: number[] = [];
  /** windows in the current period (errors may hold fewer: non-finite errors are left out) */
  let count = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  /** drift_mean of the period's last window (NaN: not available) */
  let driftMean = Number.NaN;

  const heldOut = (): boolean => inWarmup && total > fit;

  /** what of the attribution a live snapshot needs: only its statistics that are high */
  const attribute = (snap: Snapshot): Attribution | undefined => {
    const out: Attribution = {};
    if (input?.drift_mean) out.drift_mean = input.drift_mean;
    if (input?.coupling && (strays(snap.band, snap.band_value) || shiftHigh(input))) {
      const c = input.coupling();
      if (c && c.length > 0) out.coupling = c;
    }
    if (latentHigh(snap)) {
      const recon = channelErrors.attribution();
      if (recon) out.recon = recon;
    }
    return out.drift_mean || out.coupling || out.recon ? out : undefined;
  };
  /** the level-shift stage's latest reading of the input channels */
  let input: InputAttribution | null = null;
  const channelErrors = new ChannelErrorTotals();

  // A frozen baseline never changes again (Sketches pushes to it only until the freeze), so
  // its covariance, Cholesky factor and log-determinant are computed once, not per snapshot.
  let reference: DriftBaseline | null = null;
  const drift = (liveCovariance: Float64Array): DriftResult => {
    if (!sketches.baselineFrozen) {
      return gaussianKlDrift(sketches.live, sketches.baseline);
    }
    reference ??= new DriftBaseline(sketches.baseline);
    return gaussianKlDriftFrom(sketches.live, liveCovariance, reference);
  };

  const snapshot = (final = false): Snapshot => {
    const live = sketches.live;
    // formed once for the measures and the drift
    const covariance = live.covariance();
    const outcome = computeMeasuresFrom(live.k, live.n, covariance);
    const measures = outcome.ok ? outcome.measures : null;
    const measureName = band?.measure ?? bandMeasure;
    const value = measures ? scalarMeasure(measures, measureName) : null;
    if (inWarmup && value !== null) {
      warmupValues.push(value);
      if (total >= settle) settledValues.push(value);
    }
    let driftValue: number | null = null;
    let driftNote: string | undefined;
    if (!sketches.baselineFrozen) {
      driftNote = WARMUP_NOTE;
    } else {
      const d = drift(covariance);
      if (d.ok) driftValue = d.kl;
      else driftNote = d.reason;
    }
    const recon = errors.length > 0 ? { mean: mean(errors), p95: quantile(errors, 0.95) } : null;
    const snap: Snapshot = {
      window_start: start,
      window_end: end,
      windows: count,
      phase: inWarmup ? 'warmup' : 'live',
      band,
      band_value: band ? value : null,
      measures,
      degenerate: outcome.ok ? null : outcome.degenerate,
      // During the warm-up nothing is judged: drift and drift_mean are published from the end of it.
      drift: inWarmup ? null : driftValue,
      recon,
      drift_mean: inWarmup || Number.isNaN(driftMean) ? null : driftMean,
    };
    if (inWarmup) {
      snap.drift_note = WARMUP_NOTE;
      // how far: the windows summarized so far (this snapshot's included) of the W it takes
      snap.warmup = { windows: total, of: warmup };
    } else {
      if (driftNote !== undefined) snap.drift_note = driftNote;
      const shift = input?.coupling_shift;
      if (shift) {
        snap.coupling_shift = shift.value;
        // the level-shift stage calibrates this limit: merged once, the object then kept
        if (shift.limit !== null && limits?.coupling_shift !== shift.limit) {
          limits = { ...limits, coupling_shift: shift.limit };
        }
      }
      snap.limits = limits;
      const attribution = attribute(snap);
      if (attribution) snap.attribution = attribution;
    }
    channelErrors.endPeriod();
    // the level-shift stage runs ahead of the inference queue: a re-fit up to this
    // snapshot's end is published now (the latest, if several; a final flush takes them all)
    const refits = opts.rebaselines?.due(final ? Infinity : end) ?? [];
    if (refits.length) snap.rebaseline = refits.at(-1)!;
    errors = [];
    count = 0;
    start = Number.POSITIVE_INFINITY;
    end = Number.NEGATIVE_INFINITY;
    return snap;
  };

  // Held-out windows: every statistic as a snapshot taken at this window would carry it —
  // drift of the live sketch (once it has turned over since the freeze), the mean of the last
  // P reconstruction errors, the window's drift_mean. Per window rather than per snapshot: the
  // held-out part is short, and the limit must cover every value a snapshot could publish.
  const recent = new Float64Array(period).fill(Number.NaN);
  const calibrate = (err: number): void => {
    recent[total % period] = err;
    calibration.add('drift_mean', driftMean);
    if (total >= fit + period) calibration.add('recon_mean', finiteMean(recent));
    if (total >= fit + settle) {
      const d = drift(sketches.live.covariance());
      if (d.ok) calibration.add('drift', d.kl);
    }
  };

  const freeze = (): void => {
    if (sketches.baselineFrozen) return;
    sketches.freeze();
    opts.onBaselineFrozen?.(sketches.baseline);
  };

  const endWarmup = (): void => {
    inWarmup = false;
    freeze();
    // Too few settled snapshots (a warm-up shorter than the sketch's memory): all of them.
    const enough = settledValues.length >= MIN_SETTLED_SNAPSHOTS;
    band ??= warmupBand(bandMeasure, enough ? settledValues : warmupValues, opts.bandFloor);
    limits = calibration.derive();
  };

  return {
    name: 'summarize',
    push(batch, emit) {
      const { k, latent, reconError, starts, ends } = batch;
      const dm = batch.driftMean;
      const readings = batch.attributions;
      let nextReading = 0;
      for (let i = 0; i < batch.n; i++) {
        const row = latent.subarray(i * k, (i + 1) * k);
        // A non-finite latent would poison the sketches for good; drop it as a bad window.
        if (!allFinite(row)) {
          counters.windowsBad++;
          continue;
        }
        sketches.push(row);
        const err = reconError[i]!;
        if (Number.isFinite(err)) errors.push(err);
        if (starts[i]! < start) start = starts[i]!;
        if (ends[i]! > end) end = ends[i]!;
        driftMean = dm ? dm[i]! : Number.NaN;
        while (readings && nextReading < readings.length && readings[nextReading]!.at <= ends[i]!) {
          input = readings[nextReading++]!.value;
        }
        if (batch.channelErrors) channelErrors.add(batch.channelErrors, i, inWarmup);
        count++;
        total++;
        if (heldOut()) calibrate(err);
        if (total % period === 0) emit(snapshot());
        if (inWarmup && total === fit) freeze();
        if (inWarmup && total === warmup) endWarmup();
      }
    },
    flush(emit) {
      // The tail of a finite replay: publish what the last, partial period saw.
      if (count > 0) emit(snapshot(true));
    },
  };
}

/**
 * The band value is past ATTRIBUTION_FROM of the way from the band's center to an edge, or not
 * finite (null: +∞, a collapse, or not computable). No band: no band rule judges the device.
 */
function strays(band: Band | null, v: number | null): boolean {
  if (!band) return false;
  if (v === null) return true;
  const edge = v >= band.center ? band.high : band.low;
  return Math.abs(v - band.center) > ATTRIBUTION_FROM * Math.abs(edge - band.center);
}

/** coupling_shift past ATTRIBUTION_FROM of its limit (no limit: true) */
function shiftHigh(input: InputAttribution): boolean {
  const s = input.coupling_shift;
  return s !== undefined && (s.limit === null || s.value > ATTRIBUTION_FROM * s.limit);
}

/** drift or the recon mean past ATTRIBUTION_FROM of its limit; no limits to judge by: true */
function latentHigh(snap: Snapshot): boolean {
  const l = snap.limits;
  if (!l || (l.drift === undefined && l.recon_mean === undefined)) return true;
  const above = (v: number | null | undefined, limit: number | undefined) =>
    v !== null && v !== undefined && limit !== undefined && v > ATTRIBUTION_FROM * limit;
  return above(snap.drift, l.drift) || above(snap.recon?.mean, l.recon_mean);
}

/**
 * Squared masked-reconstruction errors and hidden cells per channel: of the current period,
 * and of the whole warm-up (each channel's own healthy level).
 */
class ChannelErrorTotals {
  private names: readonly string[] = [];
  private period = { sum: new Float64Array(0), hidden: new Float64Array(0) };
  private warmup = { sum: new Float64Array(0), hidden: new Float64Array(0) };

  add(e: ChannelErrors, row: number, inWarmup: boolean): void {
    const c = e.channels.length;
    if (this.names !== e.channels) {
      this.names = e.channels;
      this.period = { sum: new Float64Array(c), hidden: new Float64Array(c) };
      if (this.warmup.sum.length !== c) {
        this.warmup = { sum: new Float64Array(c), hidden: new Float64Array(c) };
      }
    }
    const { sum, hidden } = this.period;
    for (let j = 0, at = row * c; j < c; j++, at++) {
      const s = e.sum[at]!;
      // a non-finite error is left out, as in the period's recon mean (s − s is NaN for ±∞)
      if (s - s !== 0) continue;
      sum[j]! += s;
      hidden[j]! += e.hidden[at]!;
      if (inWarmup) {
        this.warmup.sum[j]! += s;
        this.warmup.hidden[j]! += e.hidden[at]!;
      }
    }
  }

  endPeriod(): void {
    this.period.sum.fill(0);
    this.period.hidden.fill(0);
  }

  /** the top channels by excess error over their warm-up level; undefined when none */
  attribution(): Attribution['recon'] {
    const c = this.names.length;
    if (c === 0) return undefined;
    const meanOf = (t: { sum: Float64Array; hidden: Float64Array }) =>
      Float64Array.from(t.sum, (s, j) => (t.hidden[j]! > 0 ? s / t.hidden[j]! : 0));
    const warm = this.warmup.hidden.some((h) => h > 0) ? meanOf(this.warmup) : null;
    const s = excessShares(meanOf(this.period), warm);
    if (!s) return undefined;
    return rankChannels(s, ATTRIBUTION_TOP).map((r) => ({
      channel: this.names[r.index]!,
      share: round4(r.value),
    }));
  }
}

function finiteMean(values: Float64Array): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    s += v;
    n++;
  }
  return n > 0 ? s / n : Number.NaN;
}

function allFinite(row: Float32Array): boolean {
  for (let i = 0; i < row.length; i++) if (!Number.isFinite(row[i]!)) return false;
  return true;
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export const summarize = (
  opts: SummarizeOptions,
  registry: StageRegistry,
): OperatorFunction<InferredBatch, Snapshot> => runStage(createSummarizeStage(opts), registry);
