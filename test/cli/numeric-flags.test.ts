// Every numeric flag is parsed strictly, nested commands included: a bad value is exit 2 and
// one line naming the option, never a NaN that a benchmark or a training run goes on with.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/processes.ts';

describe('numeric flags', () => {
  it.each([
    [['bench', 'agent', '--seconds', 'abc'], '--seconds must be a positive number, got "abc"'],
    [['bench', 'collector', '--devices', '1.5'], '--devices must be a positive integer, got "1.5"'],
    [
      ['bench', 'perf', '--agent-seconds', '0'],
      '--agent-seconds must be a positive number, got "0"',
    ],
    [
      ['train', '--csv', 'x.csv', '--out', 'y.onnx', '--window', ''],
      '--window must be a non-negative integer, got ""',
    ],
    [
      ['calibrate', '--csv', 'x.csv', '--out', 'd', '--tolerance', '5x'],
      '--tolerance must be a number, got "5x"',
    ],
  ])('redband %j: exit 2, %s', (args, message) => {
    const r = spawnSync(process.execPath, ['bin/redband.mjs', ...args], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: expect.stringContaining(message),
    });
    expect(r.stdout).toBe('');
  });
});
