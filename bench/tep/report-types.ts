// The shape of a TEP bench report: what `--json` prints, and what the table is drawn from.
import type { LiveSketchConfig } from '../../agent/pipeline/sketches.ts';
import type { WarmupRows } from '../skab/replay.ts';
import type { MetricsMessage } from '../../shared/schema/metrics.ts';
import type { BaselineName } from './detectors.ts';
import type { RowScore } from './score.ts';

export interface FileScore extends RowScore {
  fault: number;
}

export interface DetectorSummary {
  /** % of d00_te.dat's rows alarmed; null without d00_te.dat */
  far: number | null;
  /** % of faulty rows alarmed, mean over the files of detectable faults (all but 3, 9, 15) */
  detection_rate_mean: number | null;
  /** mean detection delay (s) over the detectable faults' files that were detected */
  delay_s_mean: number | null;
  /** a baseline's threshold on its statistic */
  threshold?: number;
  /** per scored fault file (d01, d01_te, …) */
  faults: Record<string, FileScore>;
}

export interface TepAgentInfo {
  config: string;
  model: string;
  warmup: WarmupRows;
  period_windows: number;
  sketch: LiveSketchConfig;
  mean_window: number;
  limit_margin: number;
  level_shift_channels: number;
  /** the device's limits and band as its first live message published them */
  limits: MetricsMessage['limits'];
  band: MetricsMessage['band'];
}

export interface TepBenchReport {
  dataset: string;
  agent: TepAgentInfo;
  collector_rules: 'defaults';
  /** the files scored, in order */
  scored: string[];
  /** the product (any default rule firing) */
  far: number | null;
  detection_rate_mean: number | null;
  delay_s_mean: number | null;
  faults: Record<string, FileScore>;
  /** each default rule alone (the band's two rules as `band`) */
  per_rule: Record<string, DetectorSummary>;
  /** pca_t2 / pca_spe: limits swept to the product's FAR on d00_te.dat; *_99: textbook limits */
  baselines: Record<BaselineName, DetectorSummary>;
  pca: {
    components: number;
    samples: number;
    explained: number;
    confidence: number;
    t2_limit: number;
    spe_limit: number;
    spe_method: string;
  };
  descriptions: Record<string, string>;
}
