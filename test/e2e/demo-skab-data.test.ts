// `redband demo --skab` finds SKAB where it is told: --data DIR, else $REDBAND_SKAB_DIR, else
// ../shared/datasets/skab; a missing folder is one line naming it and what named it, exit 2.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../shared/net/ports.ts';
import { runNode, type CliRun } from '../support/processes.ts';
import { skabLikeFile } from '../support/skab-like.ts';

/** `redband demo …`, REDBAND_SKAB_DIR unset unless the case sets it. */
const demo = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  runNode('bin/redband.mjs', ['demo', ...args], 90_000, { REDBAND_SKAB_DIR: '', ...env });

const empty = () => mkdtempSync(join(tmpdir(), 'redband-skab-empty-'));

describe('redband demo --skab: where the SKAB data is', () => {
  const missing = [
    {
      what: '--data names a missing folder',
      args: ['--data', '/nonexistent/skab-a'],
      env: {},
      line: '--skab: the SKAB data folder /nonexistent/skab-a is missing (--data); point at it with --data DIR or REDBAND_SKAB_DIR=DIR',
    },
    {
      what: 'REDBAND_SKAB_DIR names a missing folder',
      args: [],
      env: { REDBAND_SKAB_DIR: '/nonexistent/skab-b' },
      line: '--skab: the SKAB data folder /nonexistent/skab-b is missing (REDBAND_SKAB_DIR); point at it with --data DIR or REDBAND_SKAB_DIR=DIR',
    },
    {
      what: '--data wins over REDBAND_SKAB_DIR',
      args: ['--data', '/nonexistent/skab-c'],
      env: { REDBAND_SKAB_DIR: '/nonexistent/skab-d' },
      line: '--skab: the SKAB data folder /nonexistent/skab-c is missing (--data); point at it with --data DIR or REDBAND_SKAB_DIR=DIR',
    },
  ];
  it.each(missing)('$what: one line, exit 2', { timeout: 30_000 }, async ({ args, env, line }) => {
    const run = await demo(['--skab', ...args], env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(`redband: ${line}\n`);
    expect(run.stdout).toBe('');
  });

  it('a folder without the run it replays says which file', { timeout: 30_000 }, async () => {
    const dir = empty();
    const run = await demo(['--skab', '--data', dir]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(
      `redband: --skab: valve1/1.csv is missing from the SKAB data folder ${dir} (--data)\n`,
    );
  });

  it('replays valve1/1.csv from the folder --data names', { timeout: 90_000 }, async () => {
    const dir = dirname(dirname(skabLikeFile('valve1/1.csv')));
    const runDir = mkdtempSync(join(tmpdir(), 'redband-demo-skab-'));
    const run = await demo(
      [
        ...['--skab', '--data', dir, '--devices', '1', '--duration', '1', '--run-dir', runDir],
        ...['--port', String(await freePort()), '--mqtt-port', String(await freePort())],
      ],
      { REDBAND_SKAB_DIR: '/nonexistent/skab-e' },
    );
    expect(run.code, run.stderr).toBe(0);
    const config = parse(readFileSync(join(runDir, 'skab-pump.yaml'), 'utf8')) as {
      source: { path: string };
    };
    expect(config.source.path).toBe(join(dir, 'valve1/1.csv'));
  });
});
