// Synthetic sensor data for the training tests: C channels from 2 oscillating latent
// factors plus noise (x = A·z + noise), so windows have structure an MAE can learn.
import { Rng } from '../../shared/random.ts';

export function factorCsv(rows: number, channels: number, seed: number, sep = ','): string {
  const rng = new Rng(seed);
  const a = Array.from({ length: channels * 2 }, () => 2 * rng.next() - 1);
  const lines = [['timestamp', ...Array.from({ length: channels }, (_, j) => `ch${j}`)].join(sep)];
  for (let r = 0; r < rows; r++) {
    const z = [Math.sin(r / 5), Math.cos(r / 13)];
    const vals = Array.from({ length: channels }, (_, j) =>
      (a[2 * j]! * z[0]! + a[2 * j + 1]! * z[1]! + 0.1 * (rng.next() - 0.5) + j).toFixed(6),
    );
    lines.push([String(1_700_000_000_000 + r * 10), ...vals].join(sep));
  }
  return lines.join('\n') + '\n';
}
