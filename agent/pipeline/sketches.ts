// The two covariance sketches of the latent vectors: the baseline (exact Welford summary,
// frozen after the warm-up or loaded from a snapshot file) and the live one (forgetting or
// sliding window), whose redundancy is published and compared against the baseline.
import { ForgettingCovariance } from '../../shared/covariance/forgetting.ts';
import { SlidingWindowCovariance } from '../../shared/covariance/sliding.ts';
import type { CovarianceSummary } from '../../shared/covariance/summary.ts';
import { RunningCovariance } from '../../shared/covariance/welford.ts';

export type LiveSketchConfig =
  { kind: 'forgetting'; beta: number } | { kind: 'sliding'; size: number };

/** Windows the live sketch needs to forget what it held: 2/β (weight e⁻² ≈ 14 % left), or its size. */
export function liveSketchMemory(cfg: LiveSketchConfig): number {
  return cfg.kind === 'forgetting' ? Math.ceil(2 / cfg.beta) : cfg.size;
}

type LiveSketch = CovarianceSummary & { push(x: ArrayLike<number>): void };

export function createLiveSketch(k: number, cfg: LiveSketchConfig): LiveSketch {
  return cfg.kind === 'forgetting'
    ? new ForgettingCovariance(k, cfg.beta)
    : new SlidingWindowCovariance(k, cfg.size);
}

export class Sketches {
  readonly live: LiveSketch;
  readonly baseline: RunningCovariance;
  private frozen: boolean;

  /** `baseline` given (loaded from a snapshot) starts frozen; otherwise it grows until freeze() */
  constructor(k: number, live: LiveSketchConfig, baseline?: RunningCovariance) {
    this.live = createLiveSketch(k, live);
    if (baseline && baseline.k !== k) {
      throw new RangeError(`baseline snapshot has k = ${baseline.k}, the model's latent has ${k}`);
    }
    this.baseline = baseline ?? new RunningCovariance(k);
    this.frozen = baseline !== undefined;
  }

  get baselineFrozen(): boolean {
    return this.frozen;
  }

  push(row: ArrayLike<number>): void {
    this.live.push(row);
    if (!this.frozen) this.baseline.push(row);
  }

  freeze(): void {
    this.frozen = true;
  }
}
