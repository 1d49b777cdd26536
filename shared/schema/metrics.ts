// The agent's redundancy snapshot, published on redband/v1/<fleet>/<device>/metrics (QoS 1).
import { z } from 'zod';
import { bandSchema, epochMsSchema, topicIdSchema } from './common.ts';
import { degeneracySchema, measuresSchema } from './measures.ts';

export const METRICS_SCHEMA = 'redband.metrics';
export const METRICS_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const healthSchema = z.strictObject({
  /** windows produced by the windowing stage since boot */
  windows_in: z.number().int().nonnegative(),
  /** windows dropped because inference fell behind (bounded queue) */
  windows_dropped: z.number().int().nonnegative(),
  /** windows skipped or imputed because of missing / non-finite samples */
  windows_bad: z.number().int().nonnegative(),
  /** non-finite input cells imputed, each counted once (not once per window it falls in) */
  samples_imputed: z.number().int().nonnegative(),
  inference_ms_p50: finite.nonnegative(),
  inference_ms_p99: finite.nonnegative(),
  queue_depth: z.number().int().nonnegative(),
  rss_bytes: z.number().int().nonnegative(),
  /** the inference runtime actually in use */
  backend: z.enum(['node', 'wasm']),
  /** set when the configured runtime failed and the agent fell back */
  backend_fallback_reason: z.string().optional(),
  outbox_depth: z.number().int().nonnegative(),
  outbox_dropped: z.number().int().nonnegative(),
});

export const rebaselineSchema = z.strictObject({
  /** data time of the re-fit, epoch ms */
  at: epochMsSchema,
  /** why: automatic after an episode settled, or an operator's request */
  reason: z.string().max(200),
  /** the shift accepted as the new normal, per watched channel, in the old baseline's σ */
  shift: z.record(z.string().min(1).max(64), finite),
});
export type RebaselineInfo = z.infer<typeof rebaselineSchema>;

/** Most channels one attribution list may name (the agent publishes its top few). */
export const ATTRIBUTION_MAX_CHANNELS = 8;
const channelName = z.string().min(1).max(64);
const channelShareSchema = z.strictObject({ channel: channelName, share: finite.min(0).max(1) });
const ranked = <T extends z.ZodType>(item: T) => z.array(item).max(ATTRIBUTION_MAX_CHANNELS);

/**
 * Which channels each statistic's value comes from, ranked, most responsible first
 * (shared/detect/attribution.ts). Every list is optional: absent when there is nothing to
 * attribute (no shift, no baseline yet).
 */
export const attributionSchema = z.strictObject({
  /** shares (sum 1 over all channels) of drift_mean: reconstruction-based contributions */
  drift_mean: ranked(channelShareSchema).optional(),
  /**
   * change of each watched input channel's coupling to the others, I(Xᵢ; X₋ᵢ) = ½ log (R⁻¹)ᵢᵢ
   * in nats, against the warm-up's: negative = decoupled, positive = locked to the others
   */
  coupling: ranked(z.strictObject({ channel: channelName, delta: finite })).optional(),
  /** shares of the period's masked reconstruction error in excess of each channel's warm-up level */
  recon: ranked(channelShareSchema).optional(),
});
export type Attribution = z.infer<typeof attributionSchema>;

/**
 * The statistics a device derives its own alert limit for (`metrics.limits`, read by the
 * collector's rules with `threshold: device`), in the order they are published.
 */
export const LIMIT_FIELDS = ['drift', 'drift_mean', 'recon_mean', 'coupling_shift'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];
const positiveLimit = finite.positive().optional();
const limitShape = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, positiveLimit])) as Record<
  LimitField,
  typeof positiveLimit
>;

export const metricsSchema = z.strictObject({
  schema: z.literal(METRICS_SCHEMA),
  version: z.literal(METRICS_VERSION),
  fleet: topicIdSchema,
  device: topicIdSchema,
  /** one id per agent start */
  boot: z.string().min(1).max(64),
  /** monotonic per boot, from 0 */
  seq: z.number().int().nonnegative(),
  /** data time span of the windows behind this snapshot (from the data, not the wall clock) */
  window_start: epochMsSchema,
  window_end: epochMsSchema,
  /** windows summarized since the previous snapshot */
  windows: z.number().int().nonnegative(),
  /** 'warmup' until the baseline is frozen */
  phase: z.enum(['warmup', 'live']),
  /**
   * How far the warm-up is: `windows` summarized so far of the `of` it takes. Only while
   * phase is 'warmup', so a dashboard can say "warming up (n of W windows)".
   */
  warmup: z
    .strictObject({ windows: z.number().int().nonnegative(), of: z.number().int().positive() })
    .optional(),
  band: bandSchema.nullable(),
  /** the band measure's current value; null when +∞ or not computable (see measures.notes / degenerate) */
  band_value: finite.nullable(),
  measures: measuresSchema.nullable(),
  degenerate: degeneracySchema.nullable(),
  /** Gaussian KL of live against baseline; null during warm-up or when not computable (drift_note) */
  drift: finite.nonnegative().nullable(),
  drift_note: z.string().optional(),
  recon: z.strictObject({ mean: finite.nonnegative(), p95: finite.nonnegative() }).nullable(),
  /**
   * Level shift of the inputs: the mean term of the Gaussian KL, ½ dᵀΣ₀⁻¹d, of the sliding mean
   * of the normalized input channels against the warm-up baseline (a Hotelling T² in nats).
   * Null during warm-up.
   */
  drift_mean: finite.nonnegative().nullable().optional(),
  /**
   * Change of the input channels' coupling: the Gaussian KL, in nats, between the correlation
   * matrix of the watched channels (a forgetting estimate) and the warm-up's. Only from
   * devices whose class enables it (detect.coupling), from the end of the warm-up.
   */
  coupling_shift: finite.nonnegative().nullable().optional(),
  /**
   * Alert thresholds this device derived from its own warm-up (held-out part), for rules
   * configured with `threshold: device`. Absent until the warm-up ends.
   */
  limits: z.strictObject(limitShape).nullable().optional(),
  /**
   * Set on the first snapshot after the level-shift baseline was re-fitted on a new level
   * (an episode settled, or an operator asked): from then on drift_mean is measured against it.
   */
  rebaseline: rebaselineSchema.optional(),
  /** the channels behind drift_mean, the input coupling and the reconstruction error; live only */
  attribution: attributionSchema.optional(),
  health: healthSchema,
  /** wall-clock publish time, for latency only; rules run on window_end */
  sent_at: epochMsSchema,
});
export type MetricsMessage = z.infer<typeof metricsSchema>;
export type AgentHealth = z.infer<typeof healthSchema>;
