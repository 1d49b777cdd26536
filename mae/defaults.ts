// Defaults of `redband train` and `redband calibrate`, in a module with no heavy imports:
// the CLI builds every command's options at startup, and must not load tfjs to do it.
import type { ScalarMeasure } from '../shared/measures/types.ts';

export const FIT_DEFAULTS = {
  window: 32,
  latentDim: 8,
  hidden: 64,
  maskRatio: 0.5,
  epochs: 8,
  seed: 1,
} as const;

export const SWEEP_DEFAULTS = {
  maskRatios: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  measure: 'tc' as ScalarMeasure,
  tolerance: 0.1,
  holdout: 0.3,
  referenceRatio: 0.5,
  bandMargin: 0,
  criterion: 'sweep',
};
