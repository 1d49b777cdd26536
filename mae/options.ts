// The options of `redband train` and `redband calibrate` and their parsers, apart from the
// code that trains and writes models: the CLI builds every command's options at startup and
// must not load tfjs, onnx-proto or the progress bars to do it.
import type { Command } from 'commander';
import { finiteNumber, nonNegativeInt } from '../shared/cli-args.ts';
import { FIT_DEFAULTS, SWEEP_DEFAULTS } from './defaults.ts';

export const listArg = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Options both commands take for one model. */
export interface ModelCliOptions {
  csv: string;
  window: number;
  latent: number;
  hidden: number;
  epochs: number;
  seed: number;
  hop?: number;
  columns?: string[];
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--csv <file>', 'training data: SKAB-style ;-separated or comma CSV')
    .option(
      '--window <T>',
      'window length in rows',
      nonNegativeInt('--window'),
      FIT_DEFAULTS.window,
    )
    .option('--latent <K>', 'latent dimension', nonNegativeInt('--latent'), FIT_DEFAULTS.latentDim)
    .option('--hidden <H>', 'hidden layer width', nonNegativeInt('--hidden'), FIT_DEFAULTS.hidden)
    .option('--epochs <E>', 'training epochs', nonNegativeInt('--epochs'), FIT_DEFAULTS.epochs)
    .option(
      '--seed <S>',
      'random seed (same seed and data → same bytes)',
      nonNegativeInt('--seed'),
      FIT_DEFAULTS.seed,
    )
    .option('--hop <H>', 'rows between window starts (default T/4)', nonNegativeInt('--hop'))
    .option(
      '--columns <names>',
      'comma-separated channel columns (default: all but time/label columns)',
      listArg,
    );
}

export const hopOf = (o: ModelCliOptions) => o.hop ?? Math.max(1, Math.floor(o.window / 4));

export interface SweepCliOptions extends ModelCliOptions {
  /** comma-separated */
  maskRatios: string;
  measure: string;
  tolerance: number;
  holdout: number;
  referenceRatio: number;
  bandMargin: number;
  criterion: string;
}

export function addSweepOptions(cmd: Command): Command {
  return cmd
    .option(
      '--mask-ratios <list>',
      'comma-separated mask ratios to sweep',
      SWEEP_DEFAULTS.maskRatios.join(','),
    )
    .option(
      '--measure <name>',
      'the redundancy measure the band is drawn on',
      SWEEP_DEFAULTS.measure,
    )
    .option(
      '--tolerance <f>',
      'models within (1 + f) × the best held-out error form the band',
      finiteNumber('--tolerance'),
      SWEEP_DEFAULTS.tolerance,
    )
    .option(
      '--holdout <f>',
      'fraction of rows (the last ones) held out for scoring',
      finiteNumber('--holdout'),
      SWEEP_DEFAULTS.holdout,
    )
    .option(
      '--reference-ratio <r>',
      'common mask ratio every model is scored at (R* uses it)',
      finiteNumber('--reference-ratio'),
      SWEEP_DEFAULTS.referenceRatio,
    )
    .option(
      '--criterion <c>',
      'error that picks R*: "sweep" (mean over all swept ratios) or "reference" (at --reference-ratio)',
      SWEEP_DEFAULTS.criterion,
    )
    .option(
      '--band-margin <k>',
      "widen the band by k × the measure's sampling noise on the held-out set",
      finiteNumber('--band-margin'),
      SWEEP_DEFAULTS.bandMargin,
    );
}
