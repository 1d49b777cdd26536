// What the SKAB bench itself fixes. The detector is NOT configured here: it is the product,
// i.e. the agent as the shipped device config (firmware-configs/skab-pump.yaml) sets it up,
// and the collector's default rules (collector/config.ts). The only numbers of the bench's
// own are the protocol's, the tuning criterion's and those of the comparison baseline.
import { fileURLToPath } from 'node:url';

export const SKAB_BENCH_CONFIG = {
  /** the benchmark's protocol: only the first 400 rows of each file fit anything */
  warmupRows: 400,
  /** the shipped device config the agent runs (one for every file) */
  agentConfig: fileURLToPath(new URL('../../firmware-configs/skab-pump.yaml', import.meta.url)),
  /** the files the shipped config and the collector defaults were chosen on */
  shippedChosenOn: ['valve1', 'valve2'],
  /**
   * --tune's choice among the grid points: the best product F1 on the tune files among those
   * with FAR ≤ maxFar % there (none: the lowest FAR). F1 equal to f1Digits decimals is a tie,
   * resolved towards the point with the fewest knobs off their shipped value, then lower FAR.
   */
  tuning: { maxFar: 10, f1Digits: 3 },
  /**
   * The long-horizon healthy run: each unlabelled CSV of the folder (SKAB: anomaly-free.csv)
   * cut into pieces of this many rows (the remainder dropped), each a device under the
   * same protocol with every scored row healthy.
   */
  healthy: { pieceRows: 1150 },
  /**
   * The t2-raw baseline's threshold: median + margin × (q-quantile − median) of its
   * statistic over the held-out part of the agent's warm-up (the agent's own limit policy).
   */
  threshold: { quantile: 1, margin: 1.5 },
} as const;

export type SkabBenchConfig = typeof SKAB_BENCH_CONFIG;
