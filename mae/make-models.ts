// Re-creates the shipped models (models/*.onnx) with `redband train`, exactly as documented
// in models/README.md. Run from the repository root: `npx tsx mae/make-models.ts`.
// The SKAB CSV is read where it lives (REDBAND_SKAB_CSV overrides the path); the sim CSV
// is generated into a temporary directory from shared/sim, the generator the `sim` source uses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIM_DEFAULTS, simCsvLines } from '../shared/sim/index.ts';

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
