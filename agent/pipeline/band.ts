// Where the stability band comes from, in order: the config, the model's metadata
// (redband.band), or the warm-up. A warm-up band is derived from the band measure's values
// over the warm-up snapshots:
//   center     = median of the values
//   half-width = max(4 · 1.4826 · MAD, 10 % of |center|)
// 1.4826 · MAD estimates the standard deviation robustly (a few bad snapshots do not move
// it), so ±4σ keeps a healthy model inside the band; the floor (config band_floor, default
// 10 % of |center|) keeps a steady or short warm-up — whose snapshots are autocorrelated and
// see little of the slow wander to come — from producing a band so narrow that a healthy
// device leaves it.
import type { Band } from '../../shared/schema/common.ts';
import type { ScalarMeasure } from '../../shared/measures/types.ts';
import { mad, median } from './stats.ts';

export const MAD_TO_SIGMA = 1.4826;
export const BAND_SIGMAS = 4;
export const BAND_MIN_RELATIVE_HALF_WIDTH = 0.1;

/** `band_from` in the config. */
export const BAND_SOURCES = ['config', 'model', 'warmup', 'auto'] as const;
export type BandFrom = (typeof BAND_SOURCES)[number];

/**
 * The band known before the warm-up, per `band_from`; null = derive it from the warm-up.
 * config / model without such a band is a config error (reported by crossCheck before
 * anything starts); here it throws.
 */
export function initialBand(
  from: BandFrom,
  configBand: Band | null,
  modelBand: Band | null,
): Band | null {
  const fromConfig = (): Band => ({ ...configBand!, source: 'config' });
  const fromModel = (): Band => ({ ...modelBand!, source: 'model' });
  switch (from) {
    case 'config':
      if (!configBand) throw new RangeError('band_from: config, but the config has no band');
      return fromConfig();
    case 'model':
      if (!modelBand) throw new RangeError('band_from: model, but the model has no band');
      return fromModel();
    case 'warmup':
      return null;
    case 'auto':
      return configBand ? fromConfig() : modelBand ? fromModel() : null;
  }
}

/** The warm-up band from finite values of `measure`; null when there are none. */
export function warmupBand(
  measure: ScalarMeasure,
  values: readonly number[],
  minRelativeHalfWidth: number = BAND_MIN_RELATIVE_HALF_WIDTH,
): Band | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const center = median(finite);
  const half = Math.max(
    BAND_SIGMAS * MAD_TO_SIGMA * mad(finite),
    minRelativeHalfWidth * Math.abs(center),
  );
  return { measure, low: center - half, center, high: center + half, source: 'warmup' };
}
