// The values that flow between pipeline stages. Windows carry their data-time span so every
// snapshot can say which stretch of the data it summarizes (window_start / window_end).

import type { Attribution } from '../../shared/schema/metrics.ts';

/** T consecutive samples of C channels, row-major [T, C]; NaN marks a missing value. */
export interface RawWindow {
  /** data time of the first and last sample, epoch ms */
  start: number;
  end: number;
  values: Float64Array;
}

/** A window after the missing-value policy and normalization: finite, float32, [T, C]. */
export interface ModelWindow {
  start: number;
  end: number;
  x: Float32Array;
  /** level shift of the inputs at the window's last sample (operators/level-shift.ts); null before it is fitted */
  driftMean?: number | null;
  /** the input channels behind drift_mean and the input coupling; set once per reading (level-shift.ts) */
  attribution?: InputAttribution;
}

/** The level-shift stage's part of a snapshot's attribution (shared/schema/metrics.ts). */
export interface InputAttribution {
  /** shares of drift_mean; set only when the statistic is high enough to need them */
  drift_mean?: Attribution['drift_mean'];
  /**
   * the input coupling change at this reading, computed only when called: summarize asks only
   * when the band value strays, which keeps the O(k³) off healthy snapshots
   */
  coupling?: () => Attribution['coupling'];
  /** coupling_shift at this reading and its held-out limit (null: none); only when enabled */
  coupling_shift?: { value: number; limit: number | null };
}

/** The level-shift baseline was re-fitted on a new level (operators/level-shift.ts). */
export interface RebaselineEvent {
  /** data time, epoch ms */
  at: number;
  /** why: automatic after an episode settled, or the operator's request */
  reason: string;
  /** the accepted shift per watched channel, in the baseline's σ */
  shift: Record<string, number>;
}

/** What inference made of one batch of windows. */
export interface InferredBatch {
  n: number;
  /** K */
  k: number;
  /** [n, K] row-major, from the unmasked pass */
  latent: Float32Array;
  /** per window: mean squared error on the masked positions of the masked pass */
  reconError: Float64Array;
  starts: Float64Array;
  ends: Float64Array;
  /** per window: the level-shift statistic, NaN when not available */
  driftMean?: Float64Array;
  /** the input attributions among the batch's windows, in order, with their window's end */
  attributions?: { at: number; value: InputAttribution }[];
  /** the reconstruction error per channel; absent: no recon attribution */
  channelErrors?: ChannelErrors;
}

/** Per window and channel ([n, C] row-major) of one batch's masked pass. */
export interface ChannelErrors {
  /** the model's channel names (C) */
  channels: readonly string[];
  /** sum of squared errors on the masked cells of the channel */
  sum: Float64Array;
  /** how many cells that was (a mask hides a different number per channel) */
  hidden: Float64Array;
}
