// Re-creates the shipped models (models/*.onnx) with `redband train`, exactly as documented
// in models/README.md. Run from the repository root: `npx tsx scripts/make-models.ts`.
// The SKAB CSV is read where it lives (REDBAND_SKAB_CSV overrides the path); the sim CSV
// is generated into a temporary directory from shared/sim, the generator the `sim` source uses;
// the TEP CSV is written into a temporary directory from d00.dat where it lives
// (REDBAND_TEP_DIR overrides the folder), since the data may not be copied into the repository.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIM_DEFAULTS, simCsvLines } from '../shared/sim/index.ts';
import { TEP_MODEL } from '../bench/tep/config.ts';
import { readTepFile, writeTepCsv } from '../bench/tep/dataset.ts';

/** rows of simulated data for sim-vibration: 4 minutes at the sim's default rate */
export const SIM_TRAINING_SAMPLES = 240 * SIM_DEFAULTS.rate_hz;

export function writeSimCsv(path: string, samples = SIM_TRAINING_SAMPLES): void {
  // start_ms is arbitrary (the timestamp column is ignored by training); fixed for reproducibility
  const lines = [...simCsvLines({}, { samples, start_ms: Date.UTC(2024, 0, 1) })];
  writeFileSync(path, lines.join('\n') + '\n');
}

const skabCsv =
  process.env.REDBAND_SKAB_CSV ??
  fileURLToPath(
    new URL('../../shared/datasets/skab/anomaly-free/anomaly-free.csv', import.meta.url),
  );
const tepDir =
  process.env.REDBAND_TEP_DIR ??
  fileURLToPath(new URL('../../shared/datasets/tep', import.meta.url));
// Shared by both models: the documented defaults, spelled out so a change of default does
// not silently change what this script produces.
const common = ['--window', '32', '--latent', '8', '--hidden', '64', '--hop', '8', '--seed', '1'];

function train(args: string[]): void {
  process.stderr.write(`$ node bin/redband.mjs train ${args.join(' ')}\n`);
  execFileSync(process.execPath, ['bin/redband.mjs', 'train', ...args], { stdio: 'inherit' });
}

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'skab-pump') {
  train([
    '--csv',
    skabCsv,
    '--out',
    'models/skab-pump.onnx',
    ...common,
    '--epochs',
    '8',
    '--band-from-calibration',
    '--band-margin',
    '2',
  ]);
}
if (which === 'all' || which === 'sim-vibration') {
  const dir = mkdtempSync(join(tmpdir(), 'redband-sim-'));
  try {
    const csv = join(dir, 'sim.csv');
    writeSimCsv(csv);
    train([
      '--csv',
      csv,
      '--out',
      'models/sim-vibration.onnx',
      ...common,
      '--epochs',
      '8',
      '--band-from-calibration',
      '--band-margin',
      '2',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (which === 'all' || which === 'tep-plant') {
  // Trained on the rows the agent's warm-up fits its baselines on (bench/tep/README.md), so
  // the held-out rows that set the device's limits are unseen by the model too.
  const dir = mkdtempSync(join(tmpdir(), 'redband-tep-'));
  try {
    const d00 = readTepFile(join(tepDir, 'd00.dat'));
    const csv = join(dir, 'tep-d00-fit.csv');
    writeTepCsv(csv, d00.data.slice(0, TEP_MODEL.trainingRows));
    train([
      '--csv',
      csv,
      '--out',
      'models/tep-plant.onnx',
      '--window',
      String(TEP_MODEL.window),
      '--latent',
      String(TEP_MODEL.latent),
      '--hidden',
      String(TEP_MODEL.hidden),
      '--hop',
      '1',
      '--seed',
      '1',
      '--epochs',
      String(TEP_MODEL.epochs),
      '--mask-ratio',
      String(TEP_MODEL.maskRatio),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
