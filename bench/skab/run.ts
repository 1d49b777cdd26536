// `redband bench skab`: the benchmark's protocol over a SKAB-like folder, scored on what the
// product does. Per file: the agent (the device config, in-process, --replay FILE --speed
// max, stdout sink in memory) fits its baselines, band and limits on the file's first 400
// rows — the config must make its warm-up exactly those rows — and publishes its messages;
// they go unchanged through the collector's rule engine; every later row is scored by the
// alert state in force at its time. With --tune, the knobs of knobs.ts are chosen on the
// tune files first and the score files are judged with that choice only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.ts';
import { readConfigFile } from '../../collector/config.ts';
import { SKAB_BENCH_CONFIG, type SkabBenchConfig } from './config.ts';
import { discoverDataset } from './dataset.ts';
import { healthyFar, healthyPieces, splitPieces, type HealthyFar } from './healthy.ts';
import { KnobApplier } from './knob-settings.ts';
import { KNOBS, type Knob } from './knobs.ts';
import type { WarmupRows } from './replay.ts';
import {
  rulesThatFired,
  runFiles,
  scoreRuns,
  type DetectorResult,
  type FileResult,
} from './runs.ts';
import { tuneKnobs, type Tuning } from './tune.ts';

export type { DetectorResult, FileResult } from './runs.ts';

export interface SkabBenchOptions {
  dir: string;
  /** subfolders to score (default: all labelled ones, less the tune subfolders) */
  score?: string[];
  /** subfolders to choose the knobs on; none: the shipped knobs, in-sample */
  tune?: string[];
  /** the agent's device config (default: the shipped firmware-configs/skab-pump.yaml) */
  agentConfig?: string;
  /** a mae/v1 model instead of the config's model.path (as the agent's --model) */
  model?: string;
  /**
   * a collector config (YAML) whose rules replace the defaults — for trying a change to the
   * defaults; the report then says the rules are not the collector's defaults
   */
  collectorConfig?: string;
  /** the long-horizon healthy run (default on) */
  healthy?: boolean;
  /** the knob table (default: knobs.ts) */
  knobs?: readonly Knob[];
  config?: SkabBenchConfig;
  progress?: (line: string) => void;
}

export interface Protocol {
  mode: 'cross-fit' | 'in-sample';
  tune: string[] | null;
  score: string[];
  /** what is held out and what is not, in words */
  statement: string;
}

export interface SkabBenchReport {
  dataset: string;
  protocol: Protocol;
  agent: {
    config: string;
    model: string;
    warmup: WarmupRows;
    period_windows: number;
    mean_window: number;
    limit_margin: number;
  };
  /** 'defaults' or the collector config file the rules came from */
  rules: string;
  config: SkabBenchConfig;
  tuning: Tuning | null;
  /** the rules in the product row: those that fired on a tuning file (in-sample: a scored one) */
  validated: string[];
  /** the headline detector: `redband`, the product (validated rules only) */
  detector: string;
  f1: number | null;
  far: number | null;
  mar: number | null;
  delay_s: number | null;
  alerts_per_healthy_hour: number | null;
  files: FileResult[];
  detectors: DetectorResult[];
  /** null when off, or when no unlabelled file is long enough for one piece */
  healthy_far: HealthyFar | null;
}

const subsetsOf = (names: readonly string[]): string[] => [
  ...new Set(names.map((n) => n.split('/')[0]!)),
];

function protocolOf(tune: string[] | null, score: string[], cfg: SkabBenchConfig): Protocol {
  const chosenOn = cfg.shippedChosenOn.join(' + ');
  const overlap = score.filter((s) => (cfg.shippedChosenOn as readonly string[]).includes(s));
  if (tune === null) {
    return {
      mode: 'in-sample',
      tune,
      score,
      statement:
        overlap.length > 0
          ? `IN-SAMPLE: the shipped knobs were chosen on ${chosenOn}, i.e. on ${overlap.join(', ')} scored here; rules are validated on the scored files. Not a held-out estimate.`
          : `the shipped knobs were chosen on ${chosenOn}, not on the scored files; rules are validated on the scored files.`,
    };
  }
  return {
    mode: 'cross-fit',
    tune,
    score,
    statement: `CROSS-FIT: the table's knobs were chosen and the rules validated on ${tune.join(', ')} only, then ${score.join(', ')} scored with that choice: held out for those choices. Everything else in the config is as shipped, chosen on ${chosenOn}${overlap.length > 0 ? ` (which includes ${overlap.join(', ')})` : ''}.`,
  };
}

function splitFolders(
  dir: string,
  o: SkabBenchOptions,
): { tune: string[] | null; score: string[] } {
  const tune = o.tune ?? null;
  if (tune !== null && tune.length === 0) throw new UserError('--tune: no subfolder given');
  const all = subsetsOf(discoverDataset(dir).experiments.map((f) => f.name));
  const score = o.score ?? all.filter((s) => !(tune ?? []).includes(s));
  const both = score.filter((s) => tune?.includes(s));
  if (both.length > 0) {
    throw new UserError(
      `--tune and --score both name ${both.join(', ')}: a file is tuned or scored, not both`,
    );
  }
  if (score.length === 0) throw new UserError(`${dir}: no labelled subfolder left to score`);
  return { tune, score };
}

export async function runSkabBench(o: SkabBenchOptions): Promise<SkabBenchReport> {
  const cfg = o.config ?? SKAB_BENCH_CONFIG;
  const progress = o.progress ?? (() => {});
  const agentConfig = o.agentConfig ?? cfg.agentConfig;
  const { tune, score } = splitFolders(o.dir, o);
  const ds = discoverDataset(o.dir, score);
  const tuneFiles = tune ? discoverDataset(o.dir, tune).experiments : null;
  const tmp = mkdtempSync(join(tmpdir(), 'redband-skab-'));
  try {
    const applier = new KnobApplier({
      agentConfig,
      collectorRaw: o.collectorConfig ? readConfigFile(o.collectorConfig) : {},
      replay: ds.experiments[0]!.path,
      tmp,
      ...(o.model !== undefined ? { model: o.model } : {}),
    });
    const model = o.model !== undefined ? { model: o.model } : {};
    const pieces = o.healthy === false ? [] : healthyPieces(ds.training, cfg, tmp);
    const shared = tuneFiles ? splitPieces(pieces) : { tune: [], report: pieces };
    const tuning = tuneFiles
      ? await tuneKnobs([...tuneFiles, ...shared.tune], o.knobs ?? KNOBS, {
          applier,
          cfg,
          progress,
          ...model,
        })
      : null;
    const setting = tuning?.chosen.setting ?? {};
    const chosenAgent = applier.agentConfigFor(setting);
    const collector = applier.collectorFor(setting);
    const runs = await runFiles(ds.experiments, {
      agentConfig: chosenAgent,
      cfg,
      progress: (n, run) =>
        progress(
          `[${n + 1}/${ds.experiments.length}] ${run.file.name}: ${run.agent.messages.length} messages`,
        ),
      ...model,
    });
    const validated = new Set(
      tuning?.chosen.validated ?? rulesThatFired(runs, collector, cfg.warmupRows),
    );
    const detectors = scoreRuns(runs, collector, validated, cfg);
    const healthy =
      o.healthy === false
        ? null
        : await healthyFar(ds.training, shared.report, {
            agentConfig: chosenAgent,
            collector,
            validated,
            cfg,
            progress,
            ...model,
          });
    const c = runs[0]!.agent.loaded.config;
    const head = detectors[0]!;
    return {
      dataset: o.dir,
      protocol: protocolOf(tune, score, cfg),
      agent: {
        config: agentConfig,
        model: c.model.path,
        warmup: runs[0]!.agent.warmup,
        period_windows: c.publish.period_windows,
        mean_window: c.detect.mean_window,
        limit_margin: c.detect.limit_margin,
      },
      rules: o.collectorConfig ?? 'defaults',
      config: cfg,
      tuning,
      validated: collector.rules.map((r) => r.name).filter((n) => validated.has(n)),
      detector: head.detector,
      f1: head.f1,
      far: head.far,
      mar: head.mar,
      delay_s: head.delay_s,
      alerts_per_healthy_hour: head.alerts_per_healthy_hour,
      files: head.files,
      detectors,
      healthy_far: healthy,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
