// The synthetic SKAB-like folder the bench skab tests run on: labelled files with level-shift
// episodes, an anomaly-free file, a tiny model fitted on it and the shipped agent config
// pointed at them.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { SKAB_BENCH_CONFIG } from '../../bench/skab/config.ts';
import { readSensorCsv } from '../../mae/csv.ts';
import { exportFitted, fitTable } from '../../mae/pipeline.ts';

/** A SKAB-like CSV: 3 noisy channels at 1 Hz, a level shift of `shift` σ on rows [a, b). */
export function skabCsv(
  rows: number,
  seed: number,
  episode: [number, number] | null,
  shift = 4,
): string {
  let s = seed;
  const noise = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    s = (s * 1103515245 + 12345) % 2147483648;
    const v = s / 2147483648;
    return Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * v);
  };
  const head = `datetime;a;b;c${episode ? ';anomaly;changepoint' : ''}`;
  const lines = [head];
  const t0 = Date.UTC(2020, 2, 9, 10, 0, 0);
  for (let r = 0; r < rows; r++) {
    const time = new Date(t0 + r * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const on = episode !== null && r >= episode[0] && r < episode[1];
    const z = noise();
    const a = 10 + z + (on ? shift : 0);
    const b = 5 + 0.5 * z + 0.5 * noise() + (on ? shift / 2 : 0);
    const c = 1 + 0.1 * noise();
    const cells = [time, a.toFixed(4), b.toFixed(4), c.toFixed(4)];
    if (episode) cells.push(on ? '1' : '0', r === episode[0] || r === episode[1] - 1 ? '1' : '0');
    lines.push(cells.join(';'));
  }
  return lines.join('\n') + '\n';
}

/** The shipped skab-pump.yaml with only what names SKAB's channels and files replaced. */
function benchConfigFor(dir: string, model: string, modelWindow: number): string {
  const cfg = parseDocument(readFileSync(SKAB_BENCH_CONFIG.agentConfig, 'utf8')).toJS() as {
    source: Record<string, unknown>;
    model: Record<string, unknown>;
    baseline: Record<string, unknown>;
    detect: Record<string, unknown>;
    log?: Record<string, unknown>;
  };
  cfg.source = { kind: 'csv', path: join(dir, 'free', 'free.csv'), delimiter: ';' };
  cfg.model.path = model;
  delete cfg.detect.channels;
  // window i ends at row T − 1 + i (hop 1): rows 0–399 are the warm-up, 0–249 its fit part
  cfg.baseline.warmup_windows = 400 - modelWindow + 1;
  cfg.baseline.fit_fraction = (250 - modelWindow + 1) / (400 - modelWindow + 1);
  const out = join(dir, 'agent.yaml');
  writeFileSync(out, stringify(cfg));
  return out;
}

/**
 * free/ (two healthy pieces of 1,150 rows and a remainder the cut drops), valve/ (two files,
 * 4-σ shifts) and pump/ (one file, a 12-σ shift), a tiny model fitted on free/ and its agent
 * config. The caller removes `dir`.
 */
export async function writeSkabFolder(): Promise<{ dir: string; agentConfig: string }> {
  const tiny = { window: 4, latentDim: 2, hidden: 8, maskRatio: 0.5, epochs: 1, seed: 1, hop: 1 };
  const dir = mkdtempSync(join(tmpdir(), 'skab-bench-'));
  mkdirSync(join(dir, 'free'));
  mkdirSync(join(dir, 'valve'));
  mkdirSync(join(dir, 'pump'));
  // two healthy pieces of 1,150 rows and a remainder the cut drops
  writeFileSync(join(dir, 'free', 'free.csv'), skabCsv(2 * 1150 + 100, 7, null));
  writeFileSync(join(dir, 'valve', '0.csv'), skabCsv(900, 11, [550, 750]));
  writeFileSync(join(dir, 'valve', '1.csv'), skabCsv(900, 13, [600, 800]));
  // a far larger shift than valve's: what a rule tuned on valve has never seen
  writeFileSync(join(dir, 'pump', '0.csv'), skabCsv(900, 17, [550, 750], 12));
  const table = await readSensorCsv(join(dir, 'free', 'free.csv'));
  const model = join(dir, 'tiny.onnx');
  writeFileSync(model, exportFitted(await fitTable(table, table.rows, tiny), null));
  return { dir, agentConfig: benchConfigFor(dir, model, tiny.window) };
}
