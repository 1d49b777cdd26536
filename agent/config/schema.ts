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
  device: topicIdSchema.optional().describe('default: $REDBAND_DEVICE, else the host name'),
  fleet: topicIdSchema.default('default').describe('fleet id (a topic level)'),
  source: sourceConfigSchema.describe(
    'where samples come from: `{kind: sim | csv | mqtt | stdin, …}` (agent/sources/*/README.md)',
  ),
  model: z.strictObject({
    path: z.string().min(1).describe('relative to the config file, else to the repository root'),
    runtime: z
      .enum(['node', 'wasm'])
      .default('node')
      .describe('onnxruntime-node, or wasm: onnxruntime-web (32-bit ARM userlands)'),
    threads: positiveInt.max(64).default(1).describe("the inference session's threads"),
  }),
  pipeline: z
    .strictObject({
      hop: positiveInt.default(8).describe("samples between window starts; ≤ the model's window T"),
      batch: positiveInt.max(1024).default(16).describe('most windows per inference call'),
      queue: positiveInt
        .default(64)
        .describe('windows waiting for inference before the oldest are dropped'),
      missing: missingSchema
        .prefault({ policy: 'impute' })
        .describe(
          'a window with a non-finite sample: `{policy: impute, fill: last | mean}` or `{policy: skip}`',
        ),
      mask_seed: z
        .number()
        .int()
        .default(1)
        .describe('seed of the reconstruction masks, so a replay is reproducible'),
    })
    .prefault({}),
  baseline: z
    .strictObject({
      warmup_windows: positiveInt
        .default(200)
        .describe(
          'windows (W) of warm-up: the baselines, a warm-up band and the limits come from them',
        ),
      fit_fraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.625)
        .describe(
          'the first fit_fraction·W windows fit the baselines; the rest of the warm-up is held out to calibrate the limits (as bench/skab: 250 of 400 rows)',
        ),
      load: z
        .string()
        .min(1)
        .optional()
        .describe('a saved baseline snapshot (JSON) to start from instead of a warm-up'),
      save: z
        .string()
        .min(1)
        .optional()
        .describe('where to save the baseline when the warm-up freezes it'),
    })
    .prefault({}),
  sketch: sketchSchema
    .prefault({ kind: 'forgetting' })
    .describe(
      'the latent covariance summary: `{kind: forgetting, beta}` or `{kind: sliding, size}`',
    ),
  publish: z
    .strictObject({
      sink: z.enum(sinkKinds).default('mqtt').describe('mqtt, or stdout for JSON lines'),
      period_windows: positiveInt.default(20).describe('windows per metrics snapshot (P)'),
    })
    .prefault({}),
  band: bandSchema
    .optional()
    .describe('the stability band used when band_from is config (or auto)'),
  band_from: z
    .enum(BAND_SOURCES)
    .default('auto')
    .describe(
      "where the band comes from; auto = config, else the model's redband.band, else the warm-up",
    ),
  band_measure: scalarMeasureSchema
    .default('tc_bias_corrected')
    .describe('the measure a warm-up band is derived on'),
  band_floor: z
    .number()
    .min(0)
    .default(BAND_MIN_RELATIVE_HALF_WIDTH)
    .describe("a warm-up band's least half-width, relative to |center|"),
  detect: z
    .strictObject({
      channels: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe('model channels watched by the level-shift statistic (drift_mean); default: all'),
      mean_window: positiveInt.default(30).describe('samples in its sliding mean'),
      limit_margin: z
        .number()
        .positive()
        .default(DEFAULT_CALIBRATION.margin)
        .describe('limits = median + limit_margin × (max − median) of the held-out warm-up values'),
      limit_floors: z
        .strictObject({
          drift: z.number().min(0).optional(),
          drift_mean: z.number().min(0).optional(),
          recon_mean: z.number().min(0).optional(),
          coupling_shift: z.number().min(0).optional(),
        })
        .default({})
        .describe(
          "least limits per statistic ({drift, drift_mean, recon_mean, coupling_shift}): what a long healthy run of the device class reaches and a warm-up of minutes cannot see; absent: the warm-up's limit alone",
        ),
      coupling: z
        .strictObject({ window: z.number().int().min(2) })
        .optional()
        .describe(
          "opt-in: publish coupling_shift (the KL between the watched channels' live correlation and the warm-up's) with a held-out limit, for the collector's input-coupling rule. `window`: the memory, in samples, of the live correlation estimate (it is also the one attribution.coupling reads). Absent: off, and the agent pays nothing for it",
        ),
      adapt_window: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe(
          "time constant, in samples, of the level-shift baseline's slow adaptation to healthy wander (paused while an episode is open); 0: the warm-up baseline is kept as fitted",
        ),
      /** when a level-shift episode is over, and who accepts its new level as normal */
      rebaseline: z
        .strictObject({
          mode: z
            .enum(['auto', 'manual'])
            .default('manual')
            .describe(
              "auto: the baseline is re-fitted `after_s` after an episode settled at a new level; manual: only on an operator's command (`redband rebaseline DEVICE`)",
            ),
          after_s: z
            .number()
            .nonnegative()
            .default(60)
            .describe(
              'with mode auto: seconds after an episode settled before its level is accepted',
            ),
          settle_fraction: z
            .number()
            .gt(0)
            .lt(1)
            .default(DEFAULT_SETTLE_FRACTION)
            .describe('settled: the statistic stays under this fraction of its in-episode median'),
        })
        .prefault({}),
    })
    .prefault({}),
  // the sinks' sections (mqtt, outbox): agent/sinks/*/config
  ...sinkConfigShape,
  log: z
    .strictObject({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('log level (stderr)'),
      format: z
        .enum(LOG_FORMATS)
        .optional()
        .describe('unset: pretty on a terminal, json otherwise; --log-format wins'),
    })
    .prefault({}),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
