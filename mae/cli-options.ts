// Helpers shared by `redband train` and `redband calibrate` (kept here so the two command
// modules do not import each other); their options are in ./options.ts.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { describeOnnx } from '../shared/mae/onnx-describe.ts';
import { checkMaeModel } from '../shared/mae/contract.ts';
import type { ScalarMeasure } from '../shared/measures/types.ts';
import type { Criterion } from './calibrate.ts';
import type { SensorTable } from './csv.ts';
import { hopOf, listArg, type SweepCliOptions } from './options.ts';
import { trainingProgress } from './progress.ts';

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
