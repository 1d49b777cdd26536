// `redband bench skab`: the benchmark's protocol over a SKAB-like folder, scored on what the
// product does. Per file: the agent (the shipped device config, in-process, --replay FILE
// --speed max, stdout sink in memory) fits its baselines, band and limits on the file's
// first 400 rows — the config must make its warm-up exactly those rows — and publishes its
// messages; they go unchanged through the collector's rule engine with the collector's
// default rules; every later row is scored by the alert state in force at its time.
import { UserError } from '../../shared/errors.ts';
import { parseConfig, readConfigFile } from '../../collector/config.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import { SKAB_BENCH_CONFIG, type SkabBenchConfig } from './config.ts';
import { discoverDataset, readLabels } from './dataset.ts';
import { alarmsFromRules, anyOf, DETECTORS, t2RawBaseline } from './detectors.ts';
import { readThroughSource, replayThroughAgent, type WarmupRows } from './replay.ts';
import {
  addConfusion,
  confusion,
  emptyConfusion,
  episodeOutcomes,
  falseAlertStarts,
  healthyHours,
  rates,
  type Confusion,
  type EpisodeOutcome,
  type Rates,
} from './score.ts';

export interface SkabBenchOptions {
  dir: string;
  /** subfolders to score (default: all) */
  subsets?: string[];
  /** the agent's device config (default: the shipped firmware-configs/skab-pump.yaml) */
  agentConfig?: string;
  /** a mae/v1 model instead of the config's model.path (as the agent's --model) */
  model?: string;
  /**
   * a collector config (YAML) whose rules replace the defaults — for trying a change to the
   * defaults; the report then says the rules are not the collector's defaults
   */
  collectorConfig?: string;
  config?: SkabBenchConfig;
  progress?: (line: string) => void;
}

export interface FileResult extends Confusion, Rates {
  file: string;
  rows: number;
  episodes: EpisodeOutcome[];
  false_alerts: number;
  /** hours of healthy scored data */
  healthy_h: number;
  /** what the alarms were judged against: the agent's limits and band, or the baseline's threshold */
  thresholds: Record<string, number>;
}

export interface DetectorResult extends Confusion, Rates {
  detector: string;
  description: string;
  /** mean detection delay over detected episodes, seconds; null if none was detected */
  delay_s: number | null;
  missed: number;
  episodes: number;
  /** mean time for the alarm to clear after an episode ended (cleared ones only), seconds */
  clear_s: number | null;
  alerts_per_healthy_hour: number | null;
  files: FileResult[];
}

export interface SkabBenchReport {
  dataset: string;
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
  /** the headline detector: `redband`, the product */
  detector: string;
  f1: number | null;
  far: number | null;
  mar: number | null;
  delay_s: number | null;
  alerts_per_healthy_hour: number | null;
  files: FileResult[];
  detectors: DetectorResult[];
}

const mean = (v: number[]): number | null =>
  v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;

/** The agent's limits and band as the first live message published them. */
function agentThresholds(messages: readonly MetricsMessage[]): Record<string, number> {
  const live = messages.find((m) => m.phase === 'live');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(live?.limits ?? {})) if (typeof v === 'number') out[k] = v;
  if (live?.band) {
    out.band_low = live.band.low;
    out.band_high = live.band.high;
  }
  return out;
}

export async function runSkabBench(o: SkabBenchOptions): Promise<SkabBenchReport> {
  const cfg = o.config ?? SKAB_BENCH_CONFIG;
  const progress = o.progress ?? (() => {});
  const agentConfig = o.agentConfig ?? cfg.agentConfig;
  const ds = discoverDataset(o.dir, o.subsets);
  const collector = parseConfig(
    o.collectorConfig ? readConfigFile(o.collectorConfig) : {},
    o.collectorConfig ?? 'collector defaults',
  );
  const perDetector = new Map<string, FileResult[]>(DETECTORS.map((d) => [d.name, []]));
  let agentInfo: SkabBenchReport['agent'] | null = null;
  for (const [n, file] of ds.experiments.entries()) {
    const labels = readLabels(file.path);
    const raw = await readThroughSource(file.path, file.channels);
    if (raw.times.length !== labels.length) {
      throw new UserError(
        `${file.name}: the source read ${raw.times.length} rows, the file has ${labels.length}`,
      );
    }
    if (labels.length <= cfg.warmupRows) {
      throw new UserError(
        `${file.name}: ${labels.length} rows, need more than the ${cfg.warmupRows}-row warm-up`,
      );
    }
    const run = await replayThroughAgent(agentConfig, file.path, {
      device: `f${n}`,
      ...(o.model !== undefined ? { model: o.model } : {}),
    });
    const w = run.warmup;
    // The protocol: rows [0, 400) are the only rows that fit anything. The agent's warm-up
    // windows must read exactly those; row 400 is then the first one a live snapshot sees.
    if (w.warmupRows !== cfg.warmupRows) {
      throw new UserError(
        `${agentConfig}: the agent's warm-up reads rows 0–${w.warmupRows - 1} (T ${w.window} + (W ${w.warmupWindows} − 1) × hop ${w.hop}); SKAB's protocol needs exactly rows 0–${cfg.warmupRows - 1}`,
        'config',
      );
    }
    const messages = run.messages;
    const live = messages.findIndex((m) => m.phase === 'live');
    if (live < 0) throw new UserError(`${file.name}: the agent published no live snapshot`);
    if (messages[live]!.window_end < raw.times[cfg.warmupRows - 1]!) {
      throw new UserError(`${file.name}: a live snapshot before the end of the warm-up rows`);
    }
    const c = run.loaded.config;
    agentInfo ??= {
      config: agentConfig,
      model: c.model.path,
      warmup: w,
      period_windows: c.publish.period_windows,
      mean_window: c.detect.mean_window,
      limit_margin: c.detect.limit_margin,
    };
    const ruleAlarms = alarmsFromRules(raw.times, messages, collector.rules, collector.forecast);
    const limits = agentThresholds(messages);
    const base = t2RawBaseline(
      { times: raw.times, rows: raw.rows, template: messages[0]! },
      { fitRows: w.fitRows, warmupRows: cfg.warmupRows },
      cfg,
    );
    for (const d of DETECTORS) {
      const alarms =
        d.name === 't2-raw' ? base.alarms : anyOf(ruleAlarms, d.rules, raw.times.length);
      const cm = confusion(labels, alarms, cfg.warmupRows);
      perDetector.get(d.name)!.push({
        file: file.name,
        rows: labels.length,
        ...cm,
        ...rates(cm),
        episodes: episodeOutcomes(labels, alarms, raw.times, cfg.warmupRows),
        false_alerts: falseAlertStarts(labels, alarms, cfg.warmupRows),
        healthy_h: healthyHours(labels, raw.times, cfg.warmupRows),
        thresholds: d.name === 't2-raw' ? { t2: base.threshold } : limits,
      });
    }
    const head = perDetector.get(DETECTORS[0]!.name)!.at(-1)!;
    progress(
      `[${n + 1}/${ds.experiments.length}] ${file.name}: ${messages.length} messages; redband TP ${head.tp} FP ${head.fp} FN ${head.fn} TN ${head.tn}`,
    );
  }
  const detectors = DETECTORS.map((d) =>
    summarize(d.name, d.description, perDetector.get(d.name)!),
  );
  const head = detectors[0]!;
  return {
    dataset: o.dir,
    agent: agentInfo!,
    rules: o.collectorConfig ?? 'defaults',
    config: cfg,
    detector: head.detector,
    f1: head.f1,
    far: head.far,
    mar: head.mar,
    delay_s: head.delay_s,
    alerts_per_healthy_hour: head.alerts_per_healthy_hour,
    files: head.files,
    detectors,
  };
}

function summarize(name: string, description: string, files: FileResult[]): DetectorResult {
  const total = files.reduce<Confusion>((a, f) => addConfusion(a, f), emptyConfusion());
  const eps = files.flatMap((f) => f.episodes);
  const delays = eps.flatMap((e) => (e.delay_s === null ? [] : [e.delay_s]));
  const clears = eps.flatMap((e) => (e.clear_s === null ? [] : [e.clear_s]));
  const healthyH = files.reduce((a, f) => a + f.healthy_h, 0);
  const falseAlerts = files.reduce((a, f) => a + f.false_alerts, 0);
  return {
    detector: name,
    description,
    ...total,
    ...rates(total),
    delay_s: mean(delays),
    missed: eps.length - delays.length,
    episodes: eps.length,
    clear_s: mean(clears),
    alerts_per_healthy_hour: healthyH > 0 ? falseAlerts / healthyH : null,
    files,
  };
}
