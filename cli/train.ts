// `redband train`: trains a masked autoencoder on windows of a sensor CSV and writes a
// mae/v1 .onnx. With --band-from-calibration it runs the calibration sweep first and writes
// the sweep's best model with its stability band in the metadata.
import { Command } from 'commander';
import { readSensorCsv } from '../mae/csv.ts';
import { FIT_DEFAULTS } from '../mae/defaults.ts';
import type { FittedMae } from '../mae/pipeline.ts';
import type { Band } from '../shared/schema/common.ts';
import { addModelOptions, addSweepOptions, hopOf, type SweepCliOptions } from '../mae/options.ts';
import { finiteNumber } from '../shared/cli-args.ts';

interface TrainCliOptions extends SweepCliOptions {
  out: string;
  maskRatio: number;
  bandFromCalibration?: boolean;
}

async function train(o: TrainCliOptions): Promise<void> {
  const { exportFitted, fitTable } = await import('../mae/pipeline.ts');
  const { runSweep, writeModel } = await import('../mae/cli-options.ts');
  const { trainingProgress } = await import('../mae/progress.ts');
  const { calibrationTable } = await import('../mae/report.ts');
  const table = await readSensorCsv(o.csv, o.columns);
  let fitted: FittedMae;
  let band: Band | null = null;
  if (o.bandFromCalibration) {
    const { result, chosen } = await runSweep(table, o);
    process.stdout.write(calibrationTable(result) + '\n\n');
    fitted = chosen;
    band = result.band;
  } else {
    const progress = trainingProgress('train', o.epochs);
    try {
      fitted = await fitTable(table, table.rows, {
        window: o.window,
        latentDim: o.latent,
        hidden: o.hidden,
        maskRatio: o.maskRatio,
        epochs: o.epochs,
        seed: o.seed,
        hop: hopOf(o),
        onBatch: progress.onBatch,
        onEpoch: progress.onEpoch,
      });
    } finally {
      progress.stop();
    }
  }
  const loss = fitted.trained.losses.at(-1);
  const note = `, final training loss ${loss?.toFixed(5)}${band ? `, band ${band.measure} [${band.low.toFixed(4)}, ${band.high.toFixed(4)}]` : ''}`;
  await writeModel(o.out, exportFitted(fitted, band), note);
}

export function trainCommand(): Command {
  const cmd = new Command('train').description(
    'train a masked autoencoder on a sensor CSV and write a mae/v1 .onnx model',
  );
  addModelOptions(cmd)
    .requiredOption('--out <file>', 'where to write the .onnx model')
    .option(
      '--mask-ratio <r>',
      'fraction of window cells hidden from the encoder',
      finiteNumber('--mask-ratio'),
      FIT_DEFAULTS.maskRatio,
    )
    .option(
      '--band-from-calibration',
      'run the calibration sweep (on the first 1 − holdout rows) and write its best model with the band; --mask-ratio is then ignored',
    );
  addSweepOptions(cmd);
  return cmd.action(async (o: TrainCliOptions) => train(o));
}
