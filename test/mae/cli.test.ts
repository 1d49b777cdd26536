// The commands as a person runs them: `node bin/redband.mjs train …` in a child process.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { loadModel } from '../../agent/inference/load.ts';
import { factorCsv } from './fixtures.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'redband-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function redband(...args: string[]) {
  try {
    const r = await run(process.execPath, ['bin/redband.mjs', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function inProcess(...args: string[]) {
  const err: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main([process.execPath, 'redband', ...args]);
    return { code, stderr: err.join('') };
  } finally {
    spy.mockRestore();
  }
}

const small = ['--window', '8', '--latent', '2', '--hidden', '8', '--epochs', '1'];

describe('redband train (CLI)', () => {
  // One case through a real process (exit code, no stack); the rest in-process via main(),
  // which is the same code path minus the ~2 s of tsx startup per process.
  it('ragged.csv → exit 2 and one line naming the problem (child process)', async () => {
    const csv = file('ragged.csv', 't,a,b\n1,2,3\n2,3\n');
    const r = await redband('train', '--csv', csv, '--out', join(dir, 'm.onnx'), ...small);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('redband: ragged.csv line 3: 2 fields, the header has 3\n');
  });

  it.each([
    [
      'short.csv',
      factorCsv(5, 2, 1),
      'short.csv (training rows) has 5 rows, fewer than one window of 8',
    ],
    ['nan.csv', 't,a\n1,2\n2,\n', 'nan.csv line 3, column "a": empty cell'],
    ['text.csv', 't,a\n1,2\n2,abc\n', 'text.csv line 3, column "a": "abc" is not a finite number'],
  ])('%s → exit 2 and one line naming the problem', async (name, text, message) => {
    const r = await inProcess(
      'train',
      '--csv',
      file(name, text),
      '--out',
      join(dir, 'm.onnx'),
      ...small,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`redband: ${message}\n`);
  });

  it('names an unknown column', async () => {
    const csv = file('ok.csv', factorCsv(60, 3, 2));
    const r = await redband(
      'train',
      '--csv',
      csv,
      '--out',
      join(dir, 'm.onnx'),
      '--columns',
      'ch0,ch9',
      ...small,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown column "ch9"');
  });

  it('names a missing file and a bad option value', async () => {
    const r = await inProcess(
      'train',
      '--csv',
      join(dir, 'none.csv'),
      '--out',
      join(dir, 'm.onnx'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('none.csv: cannot read (no such file)');
    const r2 = await inProcess('train', '--csv', 'x.csv', '--out', 'm.onnx', '--epochs', 'many');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--epochs must be a non-negative integer');
  });

  it('trains, prints one line per epoch when stderr is not a TTY, and writes a loadable model', async () => {
    const out = join(dir, 'sub', 'model.onnx');
    const csv = file('train.csv', factorCsv(120, 3, 4).replaceAll(',', ';'));
    const r = await redband(
      'train',
      '--csv',
      csv,
      '--out',
      out,
      ...small,
      '--epochs',
      '2',
      '--mask-ratio',
      '0.3',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('train: epoch 2/2 loss');
    expect(r.stdout).toMatch(/wrote .*model\.onnx .*T=8 C=3 K=2 mask ratio 0\.3/);
    const s = await loadModel(out, { runtime: 'node' });
    expect(s.model.channels).toEqual(['ch0', 'ch1', 'ch2']);
    await s.close();
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });
});
