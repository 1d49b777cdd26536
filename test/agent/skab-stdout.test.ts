// The agent end to end on real data: SKAB valve1/1.csv replayed at full speed through the
// shipped ONNX model, published to stdout, every line checked against the shared schemas.
import { describe, expect, it } from 'vitest';
import { decodeMetrics, decodeStatus, type MetricsMessage } from '../../shared/schema/index.ts';
import { skabFile } from '../support/datasets.ts';
import { runNode } from './harness.ts';

describe('agent: SKAB replay through the real model, --publish stdout', () => {
  it('prints valid status and metrics messages with monotonic seq, and exits 0 at end of data', async () => {
    const run = await runNode('bin/redband.mjs', [
      'agent',
      '--config',
      'firmware-configs/skab-pump.yaml',
      '--replay',
      skabFile('valve1/1.csv'), // the real file: REDBAND_DATA_DIR, see test/support/datasets.ts
      '--speed',
      'max',
      '--publish',
      'stdout',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const first = decodeStatus(lines[0]!);
    const last = decodeStatus(lines.at(-1)!);
    expect(first.ok && first.value.state).toBe('online');
    expect(last.ok && last.value.state).toBe('offline');
    // a clean stop says so: the collector does not call this device silent
    expect(last.ok && last.value.reason).toBe('stopped');

    const metrics: MetricsMessage[] = lines.slice(1, -1).map((line) => {
      const d = decodeMetrics(line);
      if (!d.ok) throw new Error(`invalid metrics line: ${d.error.message}`);
      return d.value;
    });
    // 1,145 rows at 1 Hz, windows of T = 32 every 4 rows, a snapshot every 10 windows
    expect(metrics.length).toBeGreaterThan(20);
    expect(metrics.map((m) => m.seq)).toEqual(metrics.map((_, i) => i));
    expect(new Set(metrics.map((m) => m.boot))).toEqual(new Set([first.ok && first.value.boot]));
    for (let i = 1; i < metrics.length; i++) {
      expect(metrics[i]!.window_end).toBeGreaterThanOrEqual(metrics[i - 1]!.window_end);
    }
    // the file's own timestamps (2020-03-09), not the wall clock
    expect(new Date(metrics[0]!.window_start).toISOString()).toMatch(/^2020-03-09/);
    expect(metrics[0]!.phase).toBe('warmup');
    const live = metrics.filter((m) => m.phase === 'live');
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((m) => m.band !== null && m.recon !== null)).toBe(true);
    const end = metrics.at(-1)!.health;
    expect(end.windows_dropped).toBe(0); // a pulled replay is lossless
    expect(metrics.reduce((s, m) => s + m.windows, 0)).toBe(end.windows_in);
  });
});
