// What the TEP bench itself fixes: the protocol's numbers, the shipped model's shape and the
// PCA baselines. The detector is NOT configured here: it is the product, i.e. the agent as
// firmware-configs/tep-plant.yaml sets it up and the collector's default rules.
import { fileURLToPath } from 'node:url';

/** The shipped model (models/tep-plant.onnx), as scripts/make-models.ts trains it on d00.dat. */
export const TEP_MODEL = {
  /** d00.dat rows 0…trainingRows−1: the fit part of the agent's warm-up */
  trainingRows: 300,
  /** 30 minutes: two cycles of the slowest analyzers (XMEAS 37–41, every 15 min) */
  window: 10,
  latent: 8,
  hidden: 64,
  epochs: 40,
  maskRatio: 0.5,
} as const;

export interface TepBenchConfig {
  agentConfig: string;
  fitRows: number;
  pca: { components: number; confidence: number };
}

export const TEP_BENCH_CONFIG: Readonly<TepBenchConfig> = {
  /** the shipped device config the agent runs (one for every file) */
  agentConfig: fileURLToPath(new URL('../../firmware-configs/tep-plant.yaml', import.meta.url)),
  /** the agent's warm-up must read d00.dat's rows exactly, fitting its baselines on these */
  fitRows: 300,
  /** PCA baselines: retained components and the textbook confidence of their limits */
  pca: { components: 15, confidence: 0.99 },
};
