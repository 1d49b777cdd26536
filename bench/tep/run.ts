// `redband bench tep`: the Tennessee Eastman protocol scored on what the product does. Per
// scored file, a fresh agent (the shipped device config, in-process, --replay --speed max,
// stdout sink in memory: bench/skab/replay.ts) replays d00.dat — its whole warm-up: baselines
// on the fit part, limits on the held-out rest — followed by the file; the published messages
// go unchanged through the collector's rule engine with its default rules, and only the
// file's own rows are scored. The PCA baselines are fitted on d00.dat and judged row by row
// through the same rule lifecycle, at their textbook 99 % limits and at the product's FAR.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../collector/config.ts';
import { UserError } from '../../shared/errors.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import { anyOf, alarmsFromRules } from '../skab/detectors.ts';
import { replayThroughAgent } from '../skab/replay.ts';
import { TEP_BENCH_CONFIG, type TepBenchConfig } from './config.ts';
import {
  discoverTep,
  faultLabels,
  readTepFile,
  rowTime,
  TEP_CHANNELS,
  UNDETECTABLE_FAULTS,
  writeTepCsv,
  type TepFile,
  type TepTable,
} from './dataset.ts';
import {
  BASELINE_NAMES,
  lifecycleAlarms,
  RULE_ROWS,
  thresholdForFar,
  type BaselineName,
  type StatisticSeries,
} from './detectors.ts';
import { fitPca, pcaStatistics, type PcaModel } from './pca.ts';
import { meanOf, scoreRows, type RowScore } from './score.ts';
import type { TepAgentInfo, TepBenchReport, DetectorSummary, FileScore } from './report-types.ts';

export interface TepBenchOptions {
  dir: string;
  /** the agent's device config (default: the shipped firmware-configs/tep-plant.yaml) */
  agentConfig?: string;
  /** a mae/v1 model instead of the config's model.path (as the agent's --model) */
  model?: string;
  config?: TepBenchConfig;
  progress?: (line: string) => void;
}

/** One scored file after its agent run: rule alarms and the PCA statistics, its rows only. */
interface FileRun {
  file: TepFile;
  labels: Uint8Array;
  times: Float64Array;
  /** per report row (RULE_ROWS), 1 = alarm */
  rules: Map<string, Uint8Array>;
  t2: StatisticSeries;
  spe: StatisticSeries;
}

interface Context {
  o: TepBenchOptions;
  cfg: TepBenchConfig;
  agentConfig: string;
  d00: TepTable;
  pca: PcaModel;
  tmp: string;
  agent: TepAgentInfo | null;
}

function checkWarmup(ctx: Context, run: Awaited<ReturnType<typeof replayThroughAgent>>): void {
  const w = run.warmup;
  const want = { warmup: ctx.d00.rows, fit: ctx.cfg.fitRows };
  if (w.warmupRows !== want.warmup || w.fitRows !== want.fit) {
    throw new UserError(
      `${ctx.agentConfig}: the agent's warm-up reads rows 0–${w.warmupRows - 1} and fits on rows 0–${w.fitRows - 1} (T ${w.window}, hop ${w.hop}, W ${w.warmupWindows}, F ${w.fitWindows}); the TEP protocol needs the ${want.warmup} rows of d00.dat, fitting on rows 0–${want.fit - 1}`,
      'config',
    );
  }
}

function agentInfo(ctx: Context, run: Awaited<ReturnType<typeof replayThroughAgent>>) {
  const c = run.loaded.config;
  const live = run.messages.find((m) => m.phase === 'live');
  return {
    config: ctx.agentConfig,
    model: ctx.o.model ?? c.model.path,
    warmup: run.warmup,
    period_windows: c.publish.period_windows,
    sketch: c.sketch,
    mean_window: c.detect.mean_window,
    limit_margin: c.detect.limit_margin,
    level_shift_channels: c.detect.channels?.length ?? TEP_CHANNELS.length,
    limits: live?.limits ?? null,
    band: live?.band ?? null,
  };
}

function statisticSeries(
  ctx: Context,
  table: TepTable,
  times: Float64Array,
  template: MetricsMessage,
): { t2: StatisticSeries; spe: StatisticSeries } {
  const t2 = new Float64Array(table.rows);
  const spe = new Float64Array(table.rows);
  table.data.forEach((row, i) => {
    const s = pcaStatistics(ctx.pca, row);
    t2[i] = s.t2;
    spe[i] = s.spe;
  });
  return { t2: { times, values: t2, template }, spe: { times, values: spe, template } };
}

async function runFile(ctx: Context, file: TepFile, n: number): Promise<FileRun> {
  const table = readTepFile(file.path);
  const labels = faultLabels(file, table.rows);
  const csv = join(ctx.tmp, `${file.name}.csv`);
  writeTepCsv(csv, [...ctx.d00.data, ...table.data]);
  const run = await replayThroughAgent(ctx.agentConfig, csv, {
    device: `tep-${file.name}`,
    ...(ctx.o.model !== undefined ? { model: ctx.o.model } : {}),
  });
  checkWarmup(ctx, run);
  ctx.agent ??= agentInfo(ctx, run);
  const total = ctx.d00.rows + table.rows;
  const allTimes = Float64Array.from({ length: total }, (_, i) => rowTime(i));
  const times = allTimes.slice(ctx.d00.rows);
  const live = run.messages.find((m) => m.phase === 'live');
  if (!live) throw new UserError(`${file.path}: the agent published no live snapshot`);
  const collector = parseConfig({}, 'collector defaults');
  const all = alarmsFromRules(allTimes, run.messages, collector.rules, collector.forecast);
  const rules = new Map<string, Uint8Array>();
  for (const r of RULE_ROWS) rules.set(r.name, anyOf(all, r.rules, total).slice(ctx.d00.rows));
  const head = scoreRows(labels, rules.get(RULE_ROWS[0]!.name)!, times);
  ctx.o.progress?.(
    `[${n}] ${file.name}: ${table.rows} rows, ${run.messages.length} messages; redband detection ${fmt(head.detection_rate)} %, FAR ${fmt(head.far)} %`,
  );
  return { file, labels, times, rules, ...statisticSeries(ctx, table, times, live) };
}

const fmt = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

function summarize(
  normal: { run: FileRun; alarms: Uint8Array } | null,
  faults: Array<{ run: FileRun; alarms: Uint8Array }>,
  threshold?: number,
): DetectorSummary {
  const per: Record<string, FileScore> = {};
  for (const { run, alarms } of faults) {
    per[run.file.name] = { fault: run.file.fault, ...scoreRows(run.labels, alarms, run.times) };
  }
  const detectable = faults.filter((f) => !UNDETECTABLE_FAULTS.includes(f.run.file.fault));
  const scores = detectable.map((f) => per[f.run.file.name]!);
  const far = normal ? scoreRows(normal.run.labels, normal.alarms, normal.run.times).far : null;
  return {
    far,
    detection_rate_mean: meanOf(scores.map((s) => s.detection_rate)),
    delay_s_mean: meanOf(scores.map((s) => s.delay_s)),
    ...(threshold !== undefined ? { threshold } : {}),
    faults: per,
  };
}

function ruleSummary(name: string, normal: FileRun | null, faults: FileRun[]): DetectorSummary {
  const pick = (r: FileRun) => ({ run: r, alarms: r.rules.get(name)! });
  return summarize(normal ? pick(normal) : null, faults.map(pick));
}

function baselineSummaries(
  ctx: Context,
  normal: FileRun | null,
  faults: FileRun[],
  productFar: number | null,
): Record<BaselineName, DetectorSummary> {
  const of = (stat: 't2' | 'spe', threshold: number): DetectorSummary => {
    const pick = (r: FileRun) => ({ run: r, alarms: lifecycleAlarms(r[stat], threshold) });
    return summarize(normal ? pick(normal) : null, faults.map(pick), threshold);
  };
  const equal = (stat: 't2' | 'spe'): DetectorSummary | null =>
    normal && productFar !== null
      ? of(stat, thresholdForFar(normal[stat], productFar).threshold)
      : null;
  const none: DetectorSummary = {
    far: null,
    detection_rate_mean: null,
    delay_s_mean: null,
    faults: {},
  };
  const out = {
    pca_t2: equal('t2') ?? none,
    pca_spe: equal('spe') ?? none,
    pca_t2_99: of('t2', ctx.pca.t2Limit),
    pca_spe_99: of('spe', ctx.pca.spe.limit),
  };
  return Object.fromEntries(BASELINE_NAMES.map((b) => [b, out[b]])) as Record<
    BaselineName,
    DetectorSummary
  >;
}

export async function runTepBench(o: TepBenchOptions): Promise<TepBenchReport> {
  const cfg = o.config ?? TEP_BENCH_CONFIG;
  const ds = discoverTep(o.dir);
  const d00 = readTepFile(ds.training);
  if (d00.rows <= cfg.pca.components + 1) {
    throw new UserError(`${ds.training}: ${d00.rows} rows, too few to fit anything`, 'bench-data');
  }
  let pca: PcaModel;
  try {
    pca = fitPca(d00.data, cfg.pca.components, cfg.pca.confidence, TEP_CHANNELS);
  } catch (e) {
    throw new UserError(`${ds.training}: ${(e as Error).message}`, 'bench-data');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'redband-tep-'));
  const ctx: Context = {
    o,
    cfg,
    agentConfig: o.agentConfig ?? cfg.agentConfig,
    d00,
    pca,
    tmp,
    agent: null,
  };
  const files = [...(ds.normal ? [ds.normal] : []), ...ds.faults];
  if (files.length === 0) {
    throw new UserError(
      `${o.dir}: nothing to score (no d00_te.dat, dNN.dat or dNN_te.dat)`,
      'bench-data',
    );
  }
  const runs: FileRun[] = [];
  try {
    for (const [i, f] of files.entries()) runs.push(await runFile(ctx, f, i + 1));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const normal = ds.normal ? runs[0]! : null;
  const faults = runs.slice(ds.normal ? 1 : 0);
  const rows = Object.fromEntries(
    RULE_ROWS.map((r) => [r.name, ruleSummary(r.name, normal, faults)]),
  );
  const product = rows[RULE_ROWS[0]!.name]!;
  return {
    dataset: o.dir,
    agent: ctx.agent!,
    collector_rules: 'defaults',
    scored: files.map((f) => f.name),
    far: product.far,
    detection_rate_mean: product.detection_rate_mean,
    delay_s_mean: product.delay_s_mean,
    faults: product.faults,
    per_rule: Object.fromEntries(RULE_ROWS.slice(1).map((r) => [r.name, rows[r.name]!])),
    baselines: baselineSummaries(ctx, normal, faults, product.far),
    pca: {
      components: pca.components,
      samples: pca.samples,
      explained: pca.explained,
      confidence: pca.confidence,
      t2_limit: pca.t2Limit,
      spe_limit: pca.spe.limit,
      spe_method: pca.spe.method,
    },
    descriptions: Object.fromEntries(RULE_ROWS.map((r) => [r.name, r.description])),
  };
}

export type { RowScore };
