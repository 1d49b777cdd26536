// One bad numeric cell in a replayed CSV, through the real agent (skab-pump config, T = 32,
// hop 1, impute): the cell sits in 32 windows but is one imputed sample, and the replay says
// so once, naming the file, the line and the column.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/random.ts';
import { decodeMetrics, type MetricsMessage } from '../../shared/schema/index.ts';
import { SKAB_CHANNELS } from '../support/skab-like.ts';
import { runNode, tmpDir } from './harness.ts';

const CHANNELS = SKAB_CHANNELS;

/** `rows` SKAB-shaped rows at 1 Hz (datetime;8 channels), two shared factors plus noise. */
function skabShaped(rows: number): string[] {
  const rng = createRng(19);
  const t0 = Date.parse('2020-03-09T10:00:00Z');
  const lines = [['datetime', ...CHANNELS].join(';')];
  for (let r = 0; r < rows; r++) {
    const f1 = rng.normal();
    const f2 = rng.normal();
    const cells = CHANNELS.map((_, c) =>
      (1 + c + 0.3 * (c % 2 ? f1 : f2) + 0.1 * rng.normal()).toFixed(5),
    );
    lines.push(
      [new Date(t0 + r * 1000).toISOString().slice(0, 19).replace('T', ' '), ...cells].join(';'),
    );
  }
  return lines;
}

describe('agent: a CSV replay with one bad numeric cell', () => {
  it('logs it once (file, line, column) and counts one imputed sample', async () => {
    const lines = skabShaped(1000);
    const header = lines[0]!.split(';');
    const column = header[3]!;
    const row = 500; // line 501 of the file: past the warm-up, well inside the data
    const cells = lines[row]!.split(';');
    cells[3] = 'n/a';
    lines[row] = cells.join(';');
    const file = join(tmpDir(), 'one-bad-cell.csv');
    writeFileSync(file, lines.join('\n'));

    const run = await runNode('bin/redband.mjs', [
      'agent',
      '--config',
      'firmware-configs/skab-pump.yaml',
      '--replay',
      file,
      '--speed',
      'max',
      '--publish',
      'stdout',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const metrics: MetricsMessage[] = run.stdout.split('\n').flatMap((line) => {
      const d = decodeMetrics(line);
      return d.ok ? [d.value] : [];
    });
    expect(metrics.length).toBeGreaterThan(20);
    expect(metrics.at(-1)!.health.samples_imputed).toBe(1);
    expect(metrics.at(-1)!.health.windows_bad).toBe(32);

    const warnings = run.stderr
      .split('\n')
      .filter((l) => l.includes('one-bad-cell.csv'))
      .map((l) => (JSON.parse(l) as { level: number; msg: string }).msg);
    const first = warnings.filter((m) => m.includes(`one-bad-cell.csv:${row + 1}`));
    expect(first, run.stderr).toHaveLength(1);
    expect(first[0]).toContain(`"${column}"`);
    expect(first[0]).toContain('"n/a"');
    // and the count, once, at the end of the file
    expect(warnings.filter((m) => /1 bad numeric cell\b/.test(m))).toHaveLength(1);
  });
});
