// The bundle (dist/redband-agent.mjs) behaves as `redband agent`: it runs the sim config,
// stops cleanly on SIGTERM and at --duration (exit 0, `offline` status last), and reports a
// bad config as one line per problem with exit code 2.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMetrics, decodeStatus } from '../../shared/schema/index.ts';
import { REPO, runNode, tmpDir } from './harness.ts';
import { writeFileSync } from 'node:fs';

const BUNDLE = join(REPO, 'dist', 'redband-agent.mjs');

beforeAll(async () => {
  const build = await runNode('scripts/build-agent.mjs', []);
  expect(build.code, build.stderr).toBe(0);
  expect(build.stdout).toMatch(/redband-agent\.mjs: [\d.]+ KiB/);
});

function lastStatus(stdout: string): string | undefined {
  const d = decodeStatus(stdout.trim().split('\n').at(-1)!);
  return d.ok ? d.value.state : undefined;
}

describe('agent bundle', () => {
  it('stops cleanly on SIGTERM: exit 0, offline status last', async () => {
    const child = spawn(
      process.execPath,
      [
        BUNDLE,
        '--config',
        'firmware-configs/sim-vibration.yaml',
        '--publish',
        'stdout',
        '--speed',
        '20',
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    const firstMetrics = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.split('\n').some((l) => decodeMetrics(l).ok)) resolve();
      });
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await firstMetrics;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lastStatus(stdout)).toBe('offline');
  });

  it('ends at --duration with exit 0', async () => {
    const run = await runNode(BUNDLE, [
      '--config',
      'firmware-configs/sim-vibration.yaml',
      '--publish',
      'stdout',
      '--duration',
      '2',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(decodeStatus(run.stdout.split('\n')[0]!).ok).toBe(true);
    expect(lastStatus(run.stdout)).toBe('offline');
  });

  it('reports every config problem, one per line, with exit code 2', async () => {
    const file = join(tmpDir(), 'bad.yaml');
    writeFileSync(
      file,
      'source: { kind: sim, speed: fast }\nmodel: { path: nope.onnx }\ncolour: red\n',
    );
    const run = await runNode(BUNDLE, ['--config', file]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/bad\.yaml: source\.speed: expected 'realtime' \| 'max' \| number$/),
      expect.stringMatching(/bad\.yaml: colour: unknown key$/),
    ]);
  });
});
