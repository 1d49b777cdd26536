// `sim`: a simulated device (latent factor model plus a schedule of injected faults), paced
// in data time or pulled losslessly at full speed.
import { asyncScheduler, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  SIM_DEFAULTS,
  SIM_FAULT_KINDS,
  createSimGenerator,
  faultWindows,
  resolveSimModel,
  type SimGeneratorOptions,
} from '../../../shared/sim/index.ts';
import {
  channelNamesSchema,
  chunkMsSchema,
  parseSourceConfig,
  speedSchema,
} from '../common/config.ts';
import { pacedSamples, samplesFromPull, syncFeed } from '../common/pacing.ts';
import type { Unstamped } from '../../component.ts';
import type { SourceStats } from '../common/stats.ts';
import { systemClock, type SourceDeps } from '../deps.ts';
import type { FaultLabel, Sample, Source, SourceFactory } from '../types.ts';

export const faultSchema = z.strictObject({
  kind: z.enum(SIM_FAULT_KINDS),
  /** omitted or empty = every channel */
  channels: z.array(z.string().min(1)).optional(),
  start_s: z.number().finite().min(0),
  duration_s: z.number().finite().positive(),
  magnitude: z.number().finite().optional(),
});

export const configSchema = z
  .strictObject({
    /** number of channels; defaults to the length of channel_names, else 6 */
    channels: z.number().int().min(1).max(1024).optional(),
    channel_names: channelNamesSchema.optional(),
    factors: z.number().int().min(1).default(SIM_DEFAULTS.factors),
    rate_hz: z.number().positive().max(100_000).default(SIM_DEFAULTS.rate_hz),
    noise: z.number().finite().min(0).default(SIM_DEFAULTS.noise),
    seed: z.number().int().default(SIM_DEFAULTS.seed),
    /** the device class's structure; keep the default to match the shipped sim-vibration model */
    loadings_seed: z.number().int().default(SIM_DEFAULTS.loadings_seed),
    factor_freq_hz: z.number().finite().min(0).default(SIM_DEFAULTS.factor_freq_hz),
    damping: z.number().gt(0).lt(1).default(SIM_DEFAULTS.damping),
    /** data time of the first sample; default: the clock at subscription */
    start_ms: z.number().finite().optional(),
    /** stop after this much data time; default: endless */
    duration_s: z.number().positive().optional(),
    speed: speedSchema,
    chunk_ms: chunkMsSchema,
    faults: z.array(faultSchema).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.channels !== undefined && c.channel_names && c.channels !== c.channel_names.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels'],
        message: `channels (${c.channels}) disagrees with channel_names (${c.channel_names.length} names)`,
      });
    }
    // The generator's own checks (factors ≤ channels, Nyquist, fault channel names).
    try {
      const model = resolveSimModel(generatorOptions(c));
      faultWindows(c.faults, model.channel_names, model.rate_hz);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });

export type SimConfig = z.output<typeof configSchema>;
export type SimConfigInput = z.input<typeof configSchema>;

function generatorOptions(c: SimConfig): SimGeneratorOptions {
  return {
    channels: c.channels ?? c.channel_names?.length ?? SIM_DEFAULTS.channels,
    ...(c.channel_names ? { channel_names: c.channel_names } : {}),
    factors: c.factors,
    rate_hz: c.rate_hz,
    noise: c.noise,
    seed: c.seed,
    loadings_seed: c.loadings_seed,
    factor_freq_hz: c.factor_freq_hz,
    damping: c.damping,
    faults: c.faults,
  };
}

/** Samples per chunk handed out by pull(). */
const PULL_CHUNK = 512;

export interface SimSource extends Unstamped<Source> {
  stats(): SourceStats;
}

export function createSimSource(input: SimConfigInput, deps: SourceDeps = {}): SimSource {
  const config = parseSourceConfig('sim', configSchema, input);
  const clock = deps.clock ?? systemClock;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const options = generatorOptions(config);
  const model = resolveSimModel(options);
  const windows = faultWindows(config.faults, model.channel_names, model.rate_hz);
  const periodMs = 1000 / model.rate_hz;
  const total =
    config.duration_s === undefined
      ? Infinity
      : Math.ceil(config.duration_s * model.rate_hz - 1e-9);
  const stats = { samples: 0, malformed: 0, missing: 0, malformed_by_cause: {} };
  let lastStart: number | undefined = config.start_ms;

  // One run = one subscription or one pull(): a fresh generator, so every run is the same data.
  const startRun = (): (() => Sample | undefined) => {
    const gen = createSimGenerator(options);
    const start = config.start_ms ?? clock.now();
    lastStart = start;
    let i = 0;
    return () => {
      if (i >= total) return undefined;
      const values = gen.next();
      return { t: start + i++ * periodMs, values };
    };
  };
  const count = (s: Sample): void => {
    stats.samples++;
    for (const v of s.values) if (Number.isNaN(v)) stats.missing++;
  };

  const pull = async function* (): AsyncGenerator<Sample[]> {
    const produce = startRun();
    while (true) {
      const chunk: Sample[] = [];
      while (chunk.length < PULL_CHUNK) {
        const s = produce();
        if (!s) break;
        chunk.push(s);
        count(s);
      }
      if (chunk.length > 0) yield chunk;
      if (chunk.length < PULL_CHUNK) return;
    }
  };

  const samples = (): Observable<Sample> =>
    config.speed === 'max'
      ? samplesFromPull(pull)
      : pacedSamples(() => syncFeed(startRun()), {
          scheduler,
          speed: config.speed === 'realtime' ? 1 : config.speed,
          chunkMs: config.chunk_ms,
        }).pipe(tap(count));

  return {
    channels: model.channel_names,
    samples,
    ...(config.speed === 'max' ? { pull } : {}),
    labels(): FaultLabel[] {
      // Absolute times need the start: known from config, else once a run has begun.
      if (lastStart === undefined) return [];
      const start = lastStart;
      return windows.map((w, n) => {
        const f = config.faults[n]!;
        const from = start + f.start_s * 1000;
        return {
          kind: w.kind,
          channels: [...w.channels],
          start: from,
          end: from + f.duration_s * 1000,
        };
      });
    },
    stats: () => ({ ...stats, malformed_by_cause: { ...stats.malformed_by_cause } }),
  };
}

export const factory: SourceFactory<'sim', typeof configSchema> = {
  type: 'sim',
  configSchema,
  create: createSimSource,
};
