// `redband calibrate`: the equilibrium sweep. Trains MAEs across mask ratios, measures
// latent redundancy and held-out error for each, and writes the table, calibration.json,
// calibration.svg and the chosen model with its band (DIR/model.onnx).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { readSensorCsv } from '../mae/csv.ts';
import { addModelOptions, addSweepOptions, type SweepCliOptions } from '../mae/options.ts';

interface CalibrateCliOptions extends SweepCliOptions {
  out: string;
}

async function run(o: CalibrateCliOptions): Promise<void> {
  const { exportFitted } = await import('../mae/pipeline.ts');
  const { runSweep, writeModel } = await import('../mae/cli-options.ts');
  const { calibrationSvg, calibrationTable } = await import('../mae/report.ts');
  const table = await readSensorCsv(o.csv, o.columns);
  const { result, chosen } = await runSweep(table, o);
  await mkdir(o.out, { recursive: true });
  process.stdout.write(calibrationTable(result) + '\n\n');
  await writeFile(join(o.out, 'calibration.json'), JSON.stringify(result, null, 2) + '\n');
  await writeFile(join(o.out, 'calibration.svg'), calibrationSvg(result));
  process.stdout.write(
    `wrote ${join(o.out, 'calibration.json')} and ${join(o.out, 'calibration.svg')}\n`,
  );
  await writeModel(
    join(o.out, 'model.onnx'),
    exportFitted(chosen, result.band),
    ' (the R* model, band in metadata)',
  );
}

export function calibrateCommand(): Command {
  const cmd = new Command('calibrate').description(
    'sweep mask ratios, find the equilibrium redundancy R* and the stability band, export the chosen model',
  );
  addModelOptions(cmd).requiredOption(
    '--out <dir>',
    'directory for calibration.json, calibration.svg and model.onnx',
  );
  addSweepOptions(cmd);
  return cmd.action(async (o: CalibrateCliOptions) => run(o));
}
