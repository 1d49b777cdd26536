// The agent's config file (firmware-configs/*.yaml): every key, its default, its limits.
// Strict objects throughout, so a misspelt key is an error instead of a silently ignored
// setting on a device in the field.
import { z } from 'zod';
import { bandSchema, topicIdSchema } from '../../shared/schema/common.ts';
import { scalarMeasureSchema } from '../../shared/schema/common.ts';
import { LOG_FORMATS } from '../../shared/log-format.ts';
import { DEFAULT_CALIBRATION } from '../../shared/detect/mean-shift.ts';
import { DEFAULT_SETTLE_FRACTION } from '../../shared/detect/episode.ts';
import { sinkConfigShape, sinkKinds } from '../sinks/registry.ts';
import { sourceConfigSchema } from '../sources/registry.ts';
import { BAND_MIN_RELATIVE_HALF_WIDTH, BAND_SOURCES } from '../pipeline/band.ts';

export { DEFAULT_OUTBOX_DIR } from '../sinks/registry.ts';

const positiveInt = z.number().int().positive();

export const missingSchema = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('skip') }),
  z.strictObject({ policy: z.literal('impute'), fill: z.enum(['last', 'mean']).default('last') }),
]);

export const sketchSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('forgetting'), beta: z.number().gt(0).lt(1).default(0.01) }),
  z.strictObject({ kind: z.literal('sliding'), size: z.number().int().min(2).default(256) }),
]);

export const agentConfigSchema = z.strictObject({
  /** default: $REDBAND_DEVICE, else the host name */
  device: topicIdSchema.optional(),
  fleet: topicIdSchema.default('default'),
  source: sourceConfigSchema,
  model: z.strictObject({
    /** relative to the config file, else to the repository root */
    path: z.string().min(1),
    runtime: z.enum(['node', 'wasm']).default('node'),
    threads: positiveInt.max(64).default(1),
  }),
  pipeline: z
    .strictObject({
      /** samples between window starts; ≤ the model's window T */
      hop: positiveInt.default(8),
      /** most windows per inference call */
      batch: positiveInt.max(1024).default(16),
      /** windows waiting for inference before the oldest are dropped */
      queue: positiveInt.default(64),
      missing: missingSchema.prefault({ policy: 'impute' }),
      /** seed of the reconstruction masks, so a replay is reproducible */
      mask_seed: z.number().int().default(1),
    })
    .prefault({}),
  baseline: z
    .strictObject({
      /** windows (W) of warm-up: the baselines, a warm-up band and the limits come from them */
      warmup_windows: positiveInt.default(200),
      /**
       * the first fit_fraction·W windows fit the baselines; the rest of the warm-up is held out
       * to calibrate the limits (as bench/skab: 250 of 400 rows)
       */
      fit_fraction: z.number().gt(0).lt(1).default(0.625),
      /** a saved baseline snapshot (JSON) to start from instead of a warm-up */
      load: z.string().min(1).optional(),
      /** where to save the baseline when the warm-up freezes it */
      save: z.string().min(1).optional(),
    })
    .prefault({}),
  sketch: sketchSchema.prefault({ kind: 'forgetting' }),
  publish: z
    .strictObject({
      sink: z.enum(sinkKinds).default('mqtt'),
      /** windows per metrics snapshot (P) */
      period_windows: positiveInt.default(20),
    })
    .prefault({}),
  /** the stability band used when band_from is config (or auto) */
  band: bandSchema.optional(),
  /** where the band comes from; auto = config, else the model's redband.band, else the warm-up */
  band_from: z.enum(BAND_SOURCES).default('auto'),
  /** the measure a warm-up band is derived on */
  band_measure: scalarMeasureSchema.default('tc_bias_corrected'),
  /** a warm-up band's least half-width, relative to |center| */
  band_floor: z.number().min(0).default(BAND_MIN_RELATIVE_HALF_WIDTH),
  detect: z
    .strictObject({
      /** model channels watched by the level-shift statistic (drift_mean); default: all */
      channels: z.array(z.string().min(1)).min(1).optional(),
      /** samples in its sliding mean */
      mean_window: positiveInt.default(30),
      /** limits = median + limit_margin × (max − median) of the held-out warm-up values */
      limit_margin: z.number().positive().default(DEFAULT_CALIBRATION.margin),
      /**
       * least limits, per statistic: what a long healthy run of the device class reaches and
       * a warm-up of minutes cannot see (a class-level allowance; 0 or absent: the warm-up's
       * limit alone). drift and drift_mean in nats, recon_mean in the model's units
       */
      limit_floors: z
        .strictObject({
          drift: z.number().min(0).optional(),
          drift_mean: z.number().min(0).optional(),
          recon_mean: z.number().min(0).optional(),
          coupling_shift: z.number().min(0).optional(),
        })
        .default({}),
      /**
       * opt-in: publish coupling_shift (the KL between the watched channels' live correlation
       * and the warm-up's) with a held-out limit, for the collector's input-coupling rule.
       * `window`: the memory, in samples, of the live correlation estimate (it is also the one
       * attribution.coupling reads). Absent: off, and the agent pays nothing for it
       */
      coupling: z.strictObject({ window: z.number().int().min(2) }).optional(),
      /**
       * time constant, in samples, of the level-shift baseline's slow adaptation to healthy
       * wander (paused while an episode is open); 0: the warm-up baseline is kept as fitted
       */
      adapt_window: z.number().int().min(0).default(0),
      /** when a level-shift episode is over, and who accepts its new level as normal */
      rebaseline: z
        .strictObject({
          /**
           * auto: the baseline is re-fitted `after_s` after an episode settled at a new level;
           * manual: only on an operator's command (`redband rebaseline DEVICE`)
           */
          mode: z.enum(['auto', 'manual']).default('manual'),
          after_s: z.number().nonnegative().default(60),
          /** settled: the statistic stays under this fraction of its in-episode median */
          settle_fraction: z.number().gt(0).lt(1).default(DEFAULT_SETTLE_FRACTION),
        })
        .prefault({}),
    })
    .prefault({}),
  // the sinks' sections (mqtt, outbox): agent/sinks/*/config
  ...sinkConfigShape,
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** unset: pretty on a terminal, json otherwise; --log-format wins */
      format: z.enum(LOG_FORMATS).optional(),
    })
    .prefault({}),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
