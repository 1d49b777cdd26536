// Per-device alert limits, derived from the device's own warm-up without look-ahead. The
// warm-up of W windows is split: the first F windows fit the baselines (the latent sketch's
// baseline, the level-shift detector's μ₀/Σ₀), the remaining W − F windows are held out.
// Over the held-out part each statistic is computed exactly as the live path computes it —
// drift and recon_mean per snapshot, drift_mean per window (a snapshot publishes the value of
// its last window, so the per-window values are every value a snapshot could carry) — and
//   limit = median + margin × (max − median)
// (shared/detect calibratedThreshold, quantile 1). Nothing after window W is ever read, so a
// fault after the warm-up cannot move the limits.
import { calibratedThreshold, DEFAULT_CALIBRATION } from '../../shared/detect/mean-shift.ts';
import { LIMIT_FIELDS, type LimitField, type MetricsMessage } from '../../shared/schema/metrics.ts';

export type Limits = NonNullable<MetricsMessage['limits']>;
export type LimitName = LimitField;

export const LIMIT_NAMES: readonly LimitName[] = LIMIT_FIELDS;

export class LimitsCalibration {
  private readonly values: Record<LimitName, number[]> = {
    drift: [],
    drift_mean: [],
    recon_mean: [],
    coupling_shift: [],
  };

  constructor(
    readonly margin: number = DEFAULT_CALIBRATION.margin,
    readonly quantile: number = DEFAULT_CALIBRATION.quantile,
    /**
     * least limits, per statistic: what a long healthy run of the device class showed its
     * slow wander reaches, which a short warm-up cannot see (config detect.limit_floors)
     */
    readonly floors: Partial<Limits> = {},
  ) {
    if (!(margin > 0)) throw new RangeError(`limit margin must be > 0, got ${margin}`);
  }

  /** Records one held-out value; null and non-finite values are left out. */
  add(name: LimitName, value: number | null | undefined): void {
    if (value !== null && value !== undefined && Number.isFinite(value)) {
      this.values[name].push(value);
    }
  }

  count(name: LimitName): number {
    return this.values[name].length;
  }

  /**
   * The limits; a statistic without held-out values, or whose threshold is not a positive
   * finite number (the schema's limits are > 0), is left out. Null when none is left.
   */
  derive(): Limits | null {
    const out: Limits = {};
    for (const name of LIMIT_NAMES) {
      const v = this.values[name];
      if (v.length === 0) continue;
      const t = Math.max(
        calibratedThreshold(v, this.quantile, this.margin),
        this.floors[name] ?? 0,
      );
      if (Number.isFinite(t) && t > 0) out[name] = t;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
}

/** F: the warm-up windows that fit the baselines, round(fraction·W) within [1, W]. */
export function fitWindows(warmup: number, fraction: number): number {
  return Math.min(warmup, Math.max(1, Math.round(warmup * fraction)));
}
