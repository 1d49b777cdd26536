// The two halves of scoring a set of files: running the agent over each file once (the
// expensive part, shared by every collector rule setting of a grid), then judging its
// messages with a set of collector rules (cheap, once per setting).
import { UserError } from '../../shared/errors.ts';
import type { CollectorConfig } from '../../collector/config.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import type { SkabBenchConfig } from './config.ts';
import { readLabels, type BenchFile } from './dataset.ts';
import { alarmsFromRules, anyOf, DETECTORS, t2RawBaseline, type BaselineRun } from './detectors.ts';
import { readThroughSource, replayThroughAgent, type AgentRun } from './replay.ts';
import {
  addConfusion,
  addFpSplit,
  confusion,
  emptyConfusion,
  emptyFpSplit,
  episodeOutcomes,
  falseAlertStarts,
  fpSplit,
  healthyHours,
  rates,
  type Confusion,
  type EpisodeOutcome,
  type FpSplit,
  type Rates,
} from './score.ts';

/** One file through the agent: what every rule setting is judged on. */
export interface FileRun {
  file: BenchFile;
  labels: Uint8Array;
  times: Float64Array;
  agent: AgentRun;
  t2: BaselineRun;
}

export interface FileResult extends Confusion, Rates, FpSplit {
  file: string;
  rows: number;
  episodes: EpisodeOutcome[];
  false_alerts: number;
  /** hours of healthy scored data */
  healthy_h: number;
  /** what the alarms were judged against: the agent's limits and band, or the baseline's threshold */
  thresholds: Record<string, number>;
}

/** False alarms split at the end of the labelled episodes (SKAB: one per file). */
export interface FpAfterEpisode {
  before: number;
  after: number;
  /** % of the false-alarm rows that come after an episode ended; null without any */
  share_after: number | null;
  /** FAR % over the healthy rows before any episode, and over those after one ended */
  far_before: number | null;
  far_after: number | null;
}

export interface DetectorResult extends Confusion, Rates {
  detector: string;
  description: string;
  /**
   * the collector rules behind the row; the product row lists the validated ones only, a
   * bench-side baseline none
   */
  rules: string[];
  /** a rule row none of whose rules fired on the tuning files (kept out of the product row) */
  unvalidated: boolean;
  /** mean detection delay over detected episodes, seconds; null if none was detected */
  delay_s: number | null;
  missed: number;
  episodes: number;
  /** mean time for the alarm to clear after an episode ended (cleared ones only), seconds */
  clear_s: number | null;
  alerts_per_healthy_hour: number | null;
  fp_after_episode: FpAfterEpisode;
  files: FileResult[];
}

/** Runs the agent (config file as given, loaded by the agent's loader) over one file. */
export async function runFile(
  file: BenchFile,
  labels: Uint8Array,
  o: { agentConfig: string; model?: string; device: string; cfg: SkabBenchConfig },
): Promise<FileRun> {
  const { cfg, agentConfig } = o;
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
  const agent = await replayThroughAgent(agentConfig, file.path, {
    device: o.device,
    ...(o.model !== undefined ? { model: o.model } : {}),
  });
  const w = agent.warmup;
  // The protocol: rows [0, 400) are the only rows that fit anything. The agent's warm-up
  // windows must read exactly those; row 400 is then the first one a live snapshot sees.
  if (w.warmupRows !== cfg.warmupRows) {
    throw new UserError(
      `${agentConfig}: the agent's warm-up reads rows 0–${w.warmupRows - 1} (T ${w.window} + (W ${w.warmupWindows} − 1) × hop ${w.hop}); SKAB's protocol needs exactly rows 0–${cfg.warmupRows - 1}`,
      'config',
    );
  }
  const messages = agent.messages;
  const live = messages.findIndex((m) => m.phase === 'live');
  if (live < 0) throw new UserError(`${file.name}: the agent published no live snapshot`);
  if (messages[live]!.window_end < raw.times[cfg.warmupRows - 1]!) {
    throw new UserError(`${file.name}: a live snapshot before the end of the warm-up rows`);
  }
  const t2 = t2RawBaseline(
    { times: raw.times, rows: raw.rows, template: messages[0]! },
    { fitRows: w.fitRows, warmupRows: cfg.warmupRows },
    cfg,
  );
  return { file, labels, times: raw.times, agent, t2 };
}

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

/** Collector rules that were firing on at least one scored row of at least one run. */
export function rulesThatFired(
  runs: readonly FileRun[],
  collector: CollectorConfig,
  from: number,
): Set<string> {
  const fired = new Set<string>();
  for (const run of runs) {
    const alarms = alarmsFromRules(
      run.times,
      run.agent.messages,
      collector.rules,
      collector.forecast,
    );
    for (const [name, a] of alarms) if (a.subarray(from).includes(1)) fired.add(name);
  }
  return fired;
}

/**
 * Judges every run with `collector`'s rules. The product row is any rule in `validated`
 * firing; each rule row shows its rules whatever they are, marked when none is validated.
 */
export function scoreRuns(
  runs: readonly FileRun[],
  collector: CollectorConfig,
  validated: ReadonlySet<string>,
  cfg: SkabBenchConfig,
): DetectorResult[] {
  const names = collector.rules.map((r) => r.name);
  const rowRules = DETECTORS.map((d) =>
    d.rules === null ? names.filter((n) => validated.has(n)) : [...d.rules],
  );
  const perDetector = DETECTORS.map((): FileResult[] => []);
  for (const run of runs) {
    const { labels, times } = run;
    const ruleAlarms = alarmsFromRules(
      times,
      run.agent.messages,
      collector.rules,
      collector.forecast,
    );
    const limits = agentThresholds(run.agent.messages);
    DETECTORS.forEach((d, j) => {
      const baseline = d.rules !== null && d.rules.length === 0;
      const alarms = baseline ? run.t2.alarms : anyOf(ruleAlarms, rowRules[j]!, times.length);
      const cm = confusion(labels, alarms, cfg.warmupRows);
      perDetector[j]!.push({
        file: run.file.name,
        rows: labels.length,
        ...cm,
        ...rates(cm),
        ...fpSplit(labels, alarms, cfg.warmupRows),
        episodes: episodeOutcomes(labels, alarms, times, cfg.warmupRows),
        false_alerts: falseAlertStarts(labels, alarms, cfg.warmupRows),
        healthy_h: healthyHours(labels, times, cfg.warmupRows),
        thresholds: baseline ? { t2: run.t2.threshold } : limits,
      });
    });
  }
  return DETECTORS.map((d, j) => {
    const rules = rowRules[j]!;
    const unvalidated =
      d.rules !== null && rules.length > 0 && !rules.some((r) => validated.has(r));
    return summarize(d.name, d.description, rules, unvalidated, perDetector[j]!);
  });
}

const mean = (v: number[]): number | null =>
  v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;

const pct = (a: number, b: number): number | null => (b === 0 ? null : (100 * a) / b);

function summarize(
  name: string,
  description: string,
  rules: string[],
  unvalidated: boolean,
  files: FileResult[],
): DetectorResult {
  const total = files.reduce<Confusion>((a, f) => addConfusion(a, f), emptyConfusion());
  const split = files.reduce<FpSplit>((a, f) => addFpSplit(a, f), emptyFpSplit());
  const eps = files.flatMap((f) => f.episodes);
  const delays = eps.flatMap((e) => (e.delay_s === null ? [] : [e.delay_s]));
  const clears = eps.flatMap((e) => (e.clear_s === null ? [] : [e.clear_s]));
  const healthyH = files.reduce((a, f) => a + f.healthy_h, 0);
  const falseAlerts = files.reduce((a, f) => a + f.false_alerts, 0);
  return {
    detector: name,
    description,
    rules,
    unvalidated,
    ...total,
    ...rates(total),
    delay_s: mean(delays),
    missed: eps.length - delays.length,
    episodes: eps.length,
    clear_s: mean(clears),
    alerts_per_healthy_hour: healthyH > 0 ? falseAlerts / healthyH : null,
    fp_after_episode: {
      before: split.fp_before,
      after: split.fp_after,
      share_after: pct(split.fp_after, split.fp_before + split.fp_after),
      far_before: pct(split.fp_before, split.healthy_before),
      far_after: pct(split.fp_after, split.healthy_after),
    },
    files,
  };
}

/** Every file through the agent, one device each, in order. */
export async function runFiles(
  files: readonly BenchFile[],
  o: {
    agentConfig: string;
    model?: string;
    cfg: SkabBenchConfig;
    /** default: the file's `anomaly` column */
    labels?: (f: BenchFile) => Uint8Array;
    progress?: (n: number, run: FileRun) => void;
  },
): Promise<FileRun[]> {
  const runs: FileRun[] = [];
  for (const [n, file] of files.entries()) {
    const labels = o.labels ? o.labels(file) : readLabels(file.path);
    const run = await runFile(file, labels, {
      agentConfig: o.agentConfig,
      device: `f${n}`,
      cfg: o.cfg,
      ...(o.model !== undefined ? { model: o.model } : {}),
    });
    runs.push(run);
    o.progress?.(n, run);
  }
  return runs;
}
