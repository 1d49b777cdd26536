import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SAMPLE = 'shared/samples/latent-sample.csv';
let dir: string;

async function redband(...args: string[]) {
  try {
    const { stdout, stderr } = await run('node', ['bin/redband.mjs', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'redband-measures-'));
});

describe('redband measures', () => {
  it('prints every measure as one JSON object', async () => {
    const { code, stdout } = await redband('measures', '--input', SAMPLE, '--json');
    expect(code).toBe(0);
    const m = JSON.parse(stdout);
    expect(Object.keys(m).sort()).toEqual(
      [
        'bartlett',
        'chi2',
        'eigenvalues',
        'erank',
        'hellinger2',
        'k',
        'n',
        'notes',
        'pr',
        'quadratic',
        'renyi',
        'spectral',
        'tc',
        'tc_bias_corrected',
      ].sort(),
    );
    expect(m).toMatchObject({ n: 500, k: 6, bartlett: { dof: 15 } });
    expect(m.tc).toBeGreaterThan(0);
    expect(Object.keys(m.renyi).sort()).toEqual(['0.5', '2']);
  });

  it('prints an aligned table, honours --columns, and reads ; CSV and JSON lines', async () => {
    const table = await redband('measures', '--input', SAMPLE, '--columns', 'temp,vibration');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^k\s+2$/m);
    expect(table.stdout).toMatch(/^tc \(nats\)\s+\d/m);
    const semi = file('semi.csv', 'a;b\n1;2\n2;1\n3;5\n4;3\n');
    expect((await redband('measures', '--input', semi, '--json')).code).toBe(0);
    const jsonl = file('v.jsonl', '[1,2,3]\n[2,1,0]\n[3,5,1]\n[4,3,7]\n[0,1,1]\n');
    const out = await redband('measures', '--input', jsonl, '--json', '--columns', '0,2');
    expect(JSON.parse(out.stdout)).toMatchObject({ k: 2, n: 5 });
  });

  it.each([
    ['short.csv', 'a,b,c\n1,2,3\n1,2\n', /short\.csv line 3: 2 fields, the header has 3/],
    ['text.csv', 'a,b\n1,2\n1,x\n', /text\.csv line 3: column "b" is not a finite number: "x"/],
    ['empty.csv', '', /empty\.csv: empty file/],
    ['header.csv', 'a,b\n', /header\.csv: empty file/],
    ['bad.jsonl', '[1,2]\n{"a":1}\n', /bad\.jsonl line 2: not a JSON array/],
  ])('%s is rejected with file and line (exit 2)', async (name, text, message) => {
    const { code, stderr } = await redband('measures', '--input', file(name, text));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('skips datetime and label columns as train does', async () => {
    const rows = [
      [1, 2, 3],
      [2, 1, 0],
      [3, 5, 1],
      [4, 3, 7],
      [0, 1, 1],
    ];
    const csv = file(
      'skab.csv',
      `datetime;a;b;c;anomaly\n${rows.map((r, i) => `2020-03-09 10:14:0${i};${r.join(';')};0`).join('\n')}\n`,
    );
    const plain = file('plain.csv', `a,b,c\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const withTime = await redband('measures', '--input', csv, '--json');
    expect(withTime.code, withTime.stderr).toBe(0);
    const without = await redband('measures', '--input', plain, '--json');
    expect(JSON.parse(withTime.stdout)).toEqual(JSON.parse(without.stdout));
    expect(JSON.parse(withTime.stdout)).toMatchObject({ k: 3, n: 5 });
  });

  it('names an unknown column', async () => {
    const { code, stderr } = await redband('measures', '--input', SAMPLE, '--columns', 'temp,nope');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown column "nope" \(the header has "temp", "vibration"/);
  });

  it.each([
    ['dead.csv', 'a,b,c\n1,5,2\n2,5,1\n3,5,4\n4,5,3\n5,5,6\n', /dead channel 1.*\(b\)/],
    ['few.csv', 'a,b,c\n1,2,3\n3,1,2\n', /too few samples: n = 2 ≤ k = 3/],
  ])('degenerate %s prints the degeneracy and exits 2', async (name, text, message) => {
    const { code, stderr } = await redband('measures', '--input', file(name, text));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
