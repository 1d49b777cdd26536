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
import type { RunningCovariance } from '../../../shared/covariance/welford.ts';
import type { Band } from '../../../shared/schema/common.ts';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import { warmupBand } from '../band.ts';
import { LimitsCalibration, type Limits } from '../limits.ts';
import type { PipelineCounters } from '../counters.ts';
import type { Sketches } from '../sketches.ts';
import { runStage, type Stage, type StageRegistry } from '../stage.ts';
import { quantile } from '../stats.ts';
import type { InferredBatch, InputAttribution } from '../types.ts';
import type { RebaselineControl } from './level-shift.ts';
import { attributeSnapshot, ChannelErrorTotals } from './summarize-attribution.ts';

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
  const summary = new Summarizer(opts);
  return {
    name: 'summarize',
    push(batch, emit) {
      summary.push(batch, emit);
    },
    flush(emit) {
      // The tail of a finite replay: publish what the last, partial period saw.
      if (summary.pending > 0) emit(summary.snapshot(true));
    },
  };
}

/**
 * The stage's state: the current period, the warm-up (its band values and the limits'
 * calibration) and the frozen baseline's drift reference. Rows are taken one at a time.
 */
class Summarizer {
  private readonly fit: number;
  private readonly settle: number;
  private band: Band | null;
  private limits: Limits | null = null;
  private readonly calibration: LimitsCalibration;
  private total = 0;
  private inWarmup: boolean;
  /** the band measure over the warm-up snapshots: all of them, and those after `settle` */
  private readonly warmupValues: number[] = [];
  private readonly settledValues: number[] = [];
  private errors: number[] = [];
  /** windows in the current period (errors may hold fewer: non-finite errors are left out) */
  pending = 0;
  private start = Number.POSITIVE_INFINITY;
  private end = Number.NEGATIVE_INFINITY;
  /** drift_mean of the period's last window (NaN: not available) */
  private driftMean = Number.NaN;
  /** the level-shift stage's latest reading of the input channels */
  private input: InputAttribution | null = null;
  private readonly channelErrors = new ChannelErrorTotals();
  // A frozen baseline never changes again (Sketches pushes to it only until the freeze), so
  // its covariance, Cholesky factor and log-determinant are computed once, not per snapshot.
  private reference: DriftBaseline | null = null;
  /** the last P reconstruction errors of the held-out windows */
  private readonly recent: Float64Array;

  constructor(private readonly opts: SummarizeOptions) {
    this.fit = Math.min(opts.fit ?? opts.warmup, opts.warmup);
    this.settle = opts.settle ?? 0;
    this.band = opts.band;
    this.calibration = new LimitsCalibration(opts.limitMargin, undefined, opts.limitFloors);
    this.inWarmup = opts.warmup > 0;
    this.recent = new Float64Array(opts.period).fill(Number.NaN);
  }

  push(batch: InferredBatch, emit: (s: Snapshot) => void): void {
    const { sketches, counters, period, warmup } = this.opts;
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
      if (Number.isFinite(err)) this.errors.push(err);
      if (starts[i]! < this.start) this.start = starts[i]!;
      if (ends[i]! > this.end) this.end = ends[i]!;
      this.driftMean = dm ? dm[i]! : Number.NaN;
      while (readings && nextReading < readings.length && readings[nextReading]!.at <= ends[i]!) {
        this.input = readings[nextReading++]!.value;
      }
      if (batch.channelErrors) this.channelErrors.add(batch.channelErrors, i, this.inWarmup);
      this.pending++;
      this.total++;
      if (this.inWarmup && this.total > this.fit) this.calibrate(err);
      if (this.total % period === 0) emit(this.snapshot());
      if (this.inWarmup && this.total === this.fit) this.freeze();
      if (this.inWarmup && this.total === warmup) this.endWarmup();
    }
  }

  private drift(liveCovariance: Float64Array): DriftResult {
    const { sketches } = this.opts;
    if (!sketches.baselineFrozen) return gaussianKlDrift(sketches.live, sketches.baseline);
    this.reference ??= new DriftBaseline(sketches.baseline);
    return gaussianKlDriftFrom(sketches.live, liveCovariance, this.reference);
  }

  snapshot(final = false): Snapshot {
    const live = this.opts.sketches.live;
    // formed once for the measures and the drift
    const covariance = live.covariance();
    const outcome = computeMeasuresFrom(live.k, live.n, covariance);
    const measures = outcome.ok ? outcome.measures : null;
    const value = measures
      ? scalarMeasure(measures, this.band?.measure ?? this.opts.bandMeasure)
      : null;
    if (this.inWarmup && value !== null) {
      this.warmupValues.push(value);
      if (this.total >= this.settle) this.settledValues.push(value);
    }
    const errors = this.errors;
    const snap: Snapshot = {
      window_start: this.start,
      window_end: this.end,
      windows: this.pending,
      phase: this.inWarmup ? 'warmup' : 'live',
      band: this.band,
      band_value: this.band ? value : null,
      measures,
      degenerate: outcome.ok ? null : outcome.degenerate,
      // During the warm-up nothing is judged: drift and drift_mean are published from the end of it.
      drift: null,
      recon: errors.length > 0 ? { mean: mean(errors), p95: quantile(errors, 0.95) } : null,
      drift_mean: this.inWarmup || Number.isNaN(this.driftMean) ? null : this.driftMean,
    };
    if (this.inWarmup) {
      snap.drift_note = WARMUP_NOTE;
      // how far: the windows summarized so far (this snapshot's included) of the W it takes
      snap.warmup = { windows: this.total, of: this.opts.warmup };
    } else {
      this.judged(snap, covariance);
    }
    this.channelErrors.endPeriod();
    // the level-shift stage runs ahead of the inference queue: a re-fit up to this
    // snapshot's end is published now (the latest, if several; a final flush takes them all)
    const refits = this.opts.rebaselines?.due(final ? Infinity : this.end) ?? [];
    if (refits.length) snap.rebaseline = refits.at(-1)!;
    this.errors = [];
    this.pending = 0;
    this.start = Number.POSITIVE_INFINITY;
    this.end = Number.NEGATIVE_INFINITY;
    return snap;
  }

  /** A live snapshot's drift, coupling shift, limits and attribution. */
  private judged(snap: Snapshot, covariance: Float64Array): void {
    if (!this.opts.sketches.baselineFrozen) {
      snap.drift_note = WARMUP_NOTE;
    } else {
      const d = this.drift(covariance);
      if (d.ok) snap.drift = d.kl;
      else snap.drift_note = d.reason;
    }
    const shift = this.input?.coupling_shift;
    if (shift) {
      snap.coupling_shift = shift.value;
      // the level-shift stage calibrates this limit: merged once, the object then kept
      if (shift.limit !== null && this.limits?.coupling_shift !== shift.limit) {
        this.limits = { ...this.limits, coupling_shift: shift.limit };
      }
    }
    snap.limits = this.limits;
    const attribution = attributeSnapshot(snap, this.input, this.channelErrors);
    if (attribution) snap.attribution = attribution;
  }

  // Held-out windows: every statistic as a snapshot taken at this window would carry it —
  // drift of the live sketch (once it has turned over since the freeze), the mean of the last
  // P reconstruction errors, the window's drift_mean. Per window rather than per snapshot: the
  // held-out part is short, and the limit must cover every value a snapshot could publish.
  private calibrate(err: number): void {
    const { period, sketches } = this.opts;
    this.recent[this.total % period] = err;
    this.calibration.add('drift_mean', this.driftMean);
    if (this.total >= this.fit + period) {
      this.calibration.add('recon_mean', finiteMean(this.recent));
    }
    if (this.total >= this.fit + this.settle) {
      const d = this.drift(sketches.live.covariance());
      if (d.ok) this.calibration.add('drift', d.kl);
    }
  }

  private freeze(): void {
    const { sketches } = this.opts;
    if (sketches.baselineFrozen) return;
    sketches.freeze();
    this.opts.onBaselineFrozen?.(sketches.baseline);
  }

  private endWarmup(): void {
    this.inWarmup = false;
    this.freeze();
    // Too few settled snapshots (a warm-up shorter than the sketch's memory): all of them.
    const enough = this.settledValues.length >= MIN_SETTLED_SNAPSHOTS;
    const values = enough ? this.settledValues : this.warmupValues;
    this.band ??= warmupBand(this.opts.bandMeasure, values, this.opts.bandFloor);
    this.limits = this.calibration.derive();
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
