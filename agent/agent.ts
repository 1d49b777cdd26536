// The agent: every component is created here, in one place, from the config. Start order
// is consumers first (sink, then pipeline, then the source it subscribes to), stop order is
// producers first (source, then drain the pipeline, then the sink announces offline, then the
// model session closes). stop() is idempotent: signals, --duration and end of data may race.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { RunningCovariance } from '../shared/covariance/welford.ts';
import type { CovarianceSnapshot } from '../shared/covariance/summary.ts';
import { UserError } from '../shared/errors.ts';
import {
  DEFAULT_CLEAR_FRACTION,
  DEFAULT_CLEAR_READINGS,
  DEFAULT_CONFIRM,
  type EpisodePolicy,
} from '../shared/detect/episode.ts';
import { VERSION } from '../shared/version.ts';
import { crossCheck } from './config/cross-check.ts';
import { ConfigError } from '../shared/config/issues.ts';
import type { LoadedConfig } from './config/load.ts';
import type { AgentConfig } from './config/schema.ts';
import { loadModel } from './inference/load.ts';
import type { InferenceSession } from './inference/types.ts';
import { initialBand } from './pipeline/band.ts';
import { PipelineCounters } from './pipeline/counters.ts';
import { fitWindows } from './pipeline/limits.ts';
import { readHealth } from './pipeline/health.ts';
import { RebaselineControl } from './pipeline/operators/level-shift.ts';
import type { Snapshot } from './pipeline/operators/summarize.ts';
import { startPipeline, type PipelineOptions, type RunningPipeline } from './pipeline/pipeline.ts';
import { liveSketchMemory, Sketches } from './pipeline/sketches.ts';
import { StageRegistry, type Stage } from './pipeline/stage.ts';
import {
  MetricsNumbering,
  statusMessage,
  type Identity,
  type StatusInfo,
} from './publish/messages.ts';
import type { SourceDeps } from './sources/deps.ts';
import { createSource } from './sources/registry.ts';
import type { Source } from './sources/types.ts';
import { createSink, type SinkDeps } from './sinks/registry.ts';
import { systemClock, type Clock } from '../shared/clock.ts';

export interface AgentDeps {
  log: Logger;
  sourceDeps?: SourceDeps;
  stdout?: Writable;
  clock?: Clock;
  sink?: Partial<SinkDeps>;
  /** an already loaded session (benchmarks); the agent still closes it on stop */
  session?: InferenceSession;
  /** a source instead of the configured one (benchmarks feed pre-parsed samples from memory) */
  source?: Source;
}

export interface Agent {
  readonly identity: Identity;
  readonly session: InferenceSession;
  readonly source: Source;
  /** starts publishing; resolves once running */
  start(): Promise<void>;
  /** resolves when the agent has stopped (end of a finite source, or stop()) */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  /** re-fits the level-shift baseline at the next window (an operator's command) */
  rebaseline(reason: string): void;
}

/** The episode policy of the config: the counts of the collector's built-in rules. */
export function episodePolicy(r: AgentConfig['detect']['rebaseline']): EpisodePolicy {
  return {
    confirm: DEFAULT_CONFIRM,
    clearReadings: DEFAULT_CLEAR_READINGS,
    settleFraction: r.settle_fraction,
    clearFraction: DEFAULT_CLEAR_FRACTION,
    rebaselineAfterMs: r.mode === 'auto' ? r.after_s * 1000 : null,
  };
}

/** Errors logged per stage before only counting them, so a persistent fault cannot flood the log. */
const LOGGED_ERRORS_PER_STAGE = 10;

export async function createAgent(loaded: LoadedConfig, deps: AgentDeps): Promise<Agent> {
  const config = loaded.config;
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const { session, source } = await openParts(loaded, deps);
  const identity: Identity = { fleet: config.fleet, device: loaded.device, boot: randomUUID() };
  const statusInfo = statusInfoOf(loaded, session);
  const online = () => statusMessage(identity, statusInfo, 'online', clock.now());
  // a clean stop says so; the last will (the connection's) says 'lost'
  const offline = () => statusMessage(identity, statusInfo, 'offline', clock.now(), 'stopped');
  const rebaselines = new RebaselineControl();
  const rebaseline = (reason: string): void => {
    log.info({ reason }, 'level-shift re-baseline requested');
    rebaselines.request(reason);
  };
  const sink = createSink(config, loaded.device, {
    log,
    stdout: deps.stdout,
    clock,
    onCommand: (c) => rebaseline(`operator: ${c.reason}`),
    ...deps.sink,
  });
  const counters = new PipelineCounters();
  const registry = stageRegistry(counters, log);
  const options = pipelineOptions(config, session, rebaselines, log);
  const numbering = new MetricsNumbering(identity);
  let pipeline: RunningPipeline | null = null;
  const publish: Stage<Snapshot, unknown> = {
    name: 'publish',
    push(snap) {
      const health = readHealth({ counters, queue: pipeline!.queue, session, sink });
      sink.publishMetrics(numbering.build(snap, health, clock.now()));
    },
  };

  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      pipeline?.stop();
      await pipeline?.done.catch((e: unknown) => log.error({ err: String(e) }, 'pipeline failed'));
      await sink.stop(offline());
      await session.close();
      const stages = Object.fromEntries(registry.stats);
      log.info(
        { windows: counters.windowsIn, errors: counters.stageErrors, stages },
        'agent stopped',
      );
      resolveFinished();
    })();
    return stopping;
  };

  return {
    identity,
    session,
    source,
    finished,
    stop,
    rebaseline,
    async start() {
      await sink.start(online());
      pipeline = startPipeline({ ...options, source, session, counters, registry, publish });
      log.info(
        {
          boot: identity.boot,
          model: session.model.name,
          backend: session.backend,
          sink: sink.kind,
          warmup: options.summarize.warmup,
          fit: options.summarize.fit,
          band: options.summarize.band?.source ?? 'warmup',
        },
        'agent started',
      );
      // End of a finite source: shut down the same way a signal does.
      void pipeline.done.then(stop, stop);
    },
  };
}

/** The model session and the source, checked against each other; the session is closed on failure. */
async function openParts(
  loaded: LoadedConfig,
  deps: AgentDeps,
): Promise<{ session: InferenceSession; source: Source }> {
  const { config } = loaded;
  const { log } = deps;
  const session =
    deps.session ??
    (await loadModel(config.model.path, {
      runtime: config.model.runtime,
      threads: config.model.threads,
      log: (msg) => log.warn(msg),
    }));
  try {
    const source =
      deps.source ??
      createSource(config.source, {
        log: { warn: (m: string) => log.warn({ source: config.source.kind }, m) },
        ...deps.sourceDeps,
      });
    const issues = crossCheck(config, session.model, source.channels);
    if (issues.length > 0) throw new ConfigError(loaded.file, issues);
    return { session, source };
  } catch (e) {
    await session.close();
    throw e;
  }
}

function statusInfoOf(loaded: LoadedConfig, session: InferenceSession): StatusInfo {
  const info: StatusInfo = {
    agentVersion: VERSION,
    model: { name: session.model.name, sha256: session.model.sha256 },
    backend: session.backend,
    configDigest: loaded.digest,
  };
  const periodS = publishPeriodS(loaded.config);
  if (periodS !== undefined) info.publishPeriodS = periodS;
  return info;
}

/** Stage errors are counted, and the first few of each stage logged. */
function stageRegistry(counters: PipelineCounters, log: Logger): StageRegistry {
  const errorsLogged = new Map<string, number>();
  return new StageRegistry((stage, error) => {
    counters.stageErrors++;
    const n = (errorsLogged.get(stage) ?? 0) + 1;
    errorsLogged.set(stage, n);
    if (n <= LOGGED_ERRORS_PER_STAGE) {
      log.error(
        { stage, err: (error as Error)?.message ?? String(error) },
        'stage error (counted; stream goes on)',
      );
    }
  });
}

type ConfigPipelineOptions = Omit<
  PipelineOptions,
  'source' | 'session' | 'counters' | 'registry' | 'publish'
>;

/** The pipeline's settings from the config and the model. */
function pipelineOptions(
  config: AgentConfig,
  session: InferenceSession,
  rebaselines: RebaselineControl,
  log: Logger,
): ConfigPipelineOptions {
  const baseline = config.baseline.load ? loadBaseline(config.baseline.load) : undefined;
  // Always a warm-up: even with a loaded baseline and a known band, the level-shift baseline
  // and the limits come from this device's own first windows.
  const warmup = config.baseline.warmup_windows;
  const fit = fitWindows(warmup, config.baseline.fit_fraction);
  const save = config.baseline.save;
  return {
    hop: config.pipeline.hop,
    batch: config.pipeline.batch,
    queueCapacity: config.pipeline.queue,
    missing: config.pipeline.missing,
    maskSeed: config.pipeline.mask_seed,
    summarize: {
      sketches: new Sketches(session.model.latentDim, config.sketch, baseline),
      period: config.publish.period_windows,
      warmup,
      fit,
      settle: liveSketchMemory(config.sketch),
      limitMargin: config.detect.limit_margin,
      limitFloors: config.detect.limit_floors,
      band: initialBand(config.band_from, config.band ?? null, session.model.band),
      bandMeasure: config.band_measure,
      bandFloor: config.band_floor,
      rebaselines,
      ...(save ? { onBaselineFrozen: (b) => saveBaseline(save, b, log) } : {}),
    },
    levelShift: levelShiftOptions(config, session.model.channels, fit, rebaselines),
  };
}

function levelShiftOptions(
  config: AgentConfig,
  modelChannels: readonly string[],
  fit: number,
  control: RebaselineControl,
): NonNullable<PipelineOptions['levelShift']> {
  const { detect } = config;
  const watch = (detect.channels ?? modelChannels).map((ch) => modelChannels.indexOf(ch));
  const floors = detect.limit_floors;
  return {
    watch,
    watchNames: watch.map((i) => modelChannels[i]!),
    meanWindow: detect.mean_window,
    fitWindows: fit,
    warmupWindows: config.baseline.warmup_windows,
    limitMargin: detect.limit_margin,
    ...(floors.drift_mean !== undefined ? { limitFloor: floors.drift_mean } : {}),
    ...(detect.coupling
      ? {
          couplingShift: {
            window: detect.coupling.window,
            ...(floors.coupling_shift !== undefined ? { floor: floors.coupling_shift } : {}),
          },
        }
      : {}),
    adaptWindow: detect.adapt_window,
    episodes: episodePolicy(detect.rebaseline),
    readEvery: config.publish.period_windows,
    control,
  };
}

/** Seconds between snapshots, when the source declares its sample rate (sim, csv without time). */
function publishPeriodS(c: AgentConfig): number | undefined {
  const rate = (c.source as { rate_hz?: number }).rate_hz;
  return rate ? (c.publish.period_windows * c.pipeline.hop) / rate : undefined;
}

function loadBaseline(path: string): RunningCovariance {
  try {
    return RunningCovariance.fromSnapshot(
      JSON.parse(readFileSync(path, 'utf8')) as CovarianceSnapshot,
    );
  } catch (e) {
    throw new UserError(
      `baseline.load: ${path}: not a usable baseline snapshot (${(e as Error).message})`,
      'config',
    );
  }
}

function saveBaseline(path: string, baseline: RunningCovariance, log: Logger): void {
  // Written beside and renamed, so a crash never leaves a half-written baseline behind.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(baseline.toSnapshot()));
  renameSync(tmp, path);
  log.info({ path, n: baseline.n }, 'baseline saved');
}
