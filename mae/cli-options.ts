// Options and helpers shared by `redband train` and `redband calibrate` (kept here so the
// two command modules do not import each other).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeOnnx } from '../agent/inference/onnx-file.ts';
import { checkMaeModel } from '../shared/mae/contract.ts';
import type { ScalarMeasure } from '../shared/measures/types.ts';
import type { Criterion } from './calibrate.ts';
import type { SensorTable } from './csv.ts';
import { FIT_DEFAULTS, SWEEP_DEFAULTS } from './defaults.ts';
import { trainingProgress } from './progress.ts';

export const intArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
export const numArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
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
    .option('--window <T>', 'window length in rows', intArg('--window'), FIT_DEFAULTS.window)
    .option('--latent <K>', 'latent dimension', intArg('--latent'), FIT_DEFAULTS.latentDim)
    .option('--hidden <H>', 'hidden layer width', intArg('--hidden'), FIT_DEFAULTS.hidden)
    .option('--epochs <E>', 'training epochs', intArg('--epochs'), FIT_DEFAULTS.epochs)
    .option(
      '--seed <S>',
      'random seed (same seed and data → same bytes)',
      intArg('--seed'),
      FIT_DEFAULTS.seed,
    )
    .option('--hop <H>', 'rows between window starts (default T/4)', intArg('--hop'))
    .option(
      '--columns <names>',
      'comma-separated channel columns (default: all but time/label columns)',
      listArg,
    );
}

export const hopOf = (o: ModelCliOptions) => o.hop ?? Math.max(1, Math.floor(o.window / 4));

/** Writes the model after re-validating it against the contract, and says what was written. */
export async function writeModel(out: string, bytes: Uint8Array, note: string): Promise<void> {
  // Self-check: what we ship must load; a failure here is a bug in the exporter.
  const info = describeOnnx(basename(out), bytes);
  const meta = checkMaeModel(info.name, info.props, info.inputs, info.outputs);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  process.stdout.write(
    `wrote ${out} (${(bytes.length / 1024).toFixed(0)} KiB, sha256 ${sha}…): T=${meta.window} ` +
      `C=${meta.channels.length} K=${meta.latentDim} mask ratio ${meta.maskRatio}${note}\n`,
  );
}

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
      numArg('--tolerance'),
      SWEEP_DEFAULTS.tolerance,
    )
    .option(
      '--holdout <f>',
      'fraction of rows (the last ones) held out for scoring',
      numArg('--holdout'),
      SWEEP_DEFAULTS.holdout,
    )
    .option(
      '--reference-ratio <r>',
      'common mask ratio every model is scored at (R* uses it)',
      numArg('--reference-ratio'),
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
      numArg('--band-margin'),
      SWEEP_DEFAULTS.bandMargin,
    );
}

export async function runSweep(table: SensorTable, o: SweepCliOptions) {
  // loaded on use: it pulls in tfjs, which other redband commands do not need
  const { calibrate } = await import('./calibrate.ts');
  let progress = trainingProgress('', o.epochs);
  try {
    return await calibrate(table, {
      maskRatios: listArg(o.maskRatios).map(Number),
      measure: o.measure as ScalarMeasure,
      tolerance: o.tolerance,
      holdout: o.holdout,
      referenceRatio: o.referenceRatio,
      bandMargin: o.bandMargin,
      criterion: o.criterion as Criterion,
      window: o.window,
      latentDim: o.latent,
      hidden: o.hidden,
      epochs: o.epochs,
      seed: o.seed,
      hop: hopOf(o),
      onModel: (i, n, ratio) => {
        progress.stop();
        progress = trainingProgress(`model ${i + 1}/${n} (mask ${ratio})`, o.epochs);
      },
      onBatch: (d, t) => progress.onBatch(d, t),
      onEpoch: (e, l) => progress.onEpoch(e, l),
    });
  } finally {
    progress.stop();
  }
}
