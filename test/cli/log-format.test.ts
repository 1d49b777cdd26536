// --log-format on real processes: `redband collector`, `redband agent` and the agent bundle's
// entry (agent/main.ts) print pretty lines when asked or on a terminal, JSON lines on a pipe.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, hasCommand, tmpDir, waitFor } from '../support/brokers.ts';
import { killLeftovers, REPO, spawnTracked } from '../support/processes.ts';

afterAll(killLeftovers);

const BIN = join(REPO, 'bin/redband.mjs');
const SIM = join(REPO, 'firmware-configs/sim-vibration.yaml');
/** HH:MM:SS.mmm LEVEL who msg … */
const PRETTY = (who: string, msg: string) =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  ${who} ${msg}( |$)`);

// eslint-disable-next-line no-control-regex -- the colour codes a terminal gets
const ANSI = /\x1b\[[0-9;]*m/g;

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter(Boolean);
}

function expectJsonLogs(stderr: string, msg: string): void {
  const records = lines(stderr).map((l) => JSON.parse(l) as { msg?: string });
  expect(records.map((r) => r.msg)).toContain(msg);
}

/** A copy of the sim device config with `log.format` set (model path made absolute). */
function simConfigWith(format: string): string {
  const config = parse(readFileSync(SIM, 'utf8')) as Record<string, Record<string, unknown>>;
  config.model!.path = join(REPO, 'models/sim-vibration.onnx');
  config.log = { ...config.log, format };
  const file = join(tmpDir('redband-logfmt-'), 'sim.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

describe('redband collector --log-format', () => {
  async function runCollector(extra: string[]): Promise<string> {
    const dir = tmpDir('redband-logfmt-');
    const args = ['--db', join(dir, 'c.db'), '--port', String(await freePort())];
    args.push('--mqtt-port', String(await freePort()), ...extra);
    const p = spawnTracked('collector', process.execPath, [BIN, 'collector', ...args]);
    await waitFor(
      () => {
        if (!p.running) throw new Error(`collector exited: ${p.stderr()}`);
        return p.stderr().includes('collector started');
      },
      'the collector to start',
      30_000,
    );
    await p.kill('SIGTERM');
    expect(await p.exited, p.stderr()).toEqual({ code: 0, signal: null });
    return p.stderr();
  }

  it('pretty: one human line per record, fields kept', { timeout: 60_000 }, async () => {
    const stderr = await runCollector(['--log-format', 'pretty']);
    const started = lines(stderr).find((l) => PRETTY('collector', 'collector started').test(l));
    expect(started, stderr).toMatch(
      / http=http:\/\/127\.0\.0\.1:\d+ broker=mqtt:\/\/.* db=.*c\.db$/,
    );
    expect(lines(stderr).some((l) => PRETTY('collector', 'collector stopped').test(l))).toBe(true);
    expect(stderr).not.toContain('{"level"');
  });

  it('no flag, stderr a pipe: JSON lines', { timeout: 60_000 }, async () => {
    const stderr = await runCollector([]);
    const json = lines(stderr).filter((l) => l.startsWith('{'));
    expectJsonLogs(json.join('\n'), 'collector started');
  });

  it('an unknown format is a one-line error, exit 2', () => {
    const r = spawnSync(process.execPath, [BIN, 'collector', '--log-format', 'text'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'--log-format <format>' argument 'text' is invalid");
    expect(r.stderr).toContain('json, pretty');
  });
});

describe('the agent --log-format', () => {
  const entries = [
    { entry: 'redband agent', argv: [BIN, 'agent'] },
    { entry: 'the bundle entry (agent/main.ts)', argv: ['--import', 'tsx', 'agent/main.ts'] },
  ];
  const run = (argv: string[], args: string[]) =>
    spawnSync(
      process.execPath,
      [...argv, '--publish', 'stdout', '--speed', '10', '--duration', '1', ...args],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
    );

  it.each(entries)('$entry: pretty when asked, on a pipe', { timeout: 60_000 }, ({ argv }) => {
    const r = run(argv, ['--config', SIM, '--log-format', 'pretty', '--device', 'dev-1']);
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stderr)[0], r.stderr).toMatch(
      PRETTY('redband-agent/dev-1', 'agent started fleet=lab boot=\\S+ model=sim-vibration.onnx'),
    );
    expect(
      lines(r.stderr).some((l) => PRETTY('redband-agent/dev-1', 'agent stopped').test(l)),
    ).toBe(true);
    expect(r.stderr).not.toContain('{"level"');
  });

  it.each(entries)('$entry: JSON on a pipe without the flag', { timeout: 60_000 }, ({ argv }) => {
    const r = run(argv, ['--config', SIM]);
    expect(r.status, r.stderr).toBe(0);
    expectJsonLogs(r.stderr, 'agent started');
  });

  it('log.format in the config; the flag wins over it', { timeout: 60_000 }, () => {
    const config = simConfigWith('pretty');
    const fromConfig = run([BIN, 'agent'], ['--config', config]);
    expect(fromConfig.status, fromConfig.stderr).toBe(0);
    expect(lines(fromConfig.stderr)[0]).toMatch(PRETTY('redband-agent/\\S+', 'agent started'));
    const flagWins = run([BIN, 'agent'], ['--config', config, '--log-format', 'json']);
    expect(flagWins.status, flagWins.stderr).toBe(0);
    expectJsonLogs(flagWins.stderr, 'agent started');
  });

  it('a bad log.format names its key', () => {
    const r = run([BIN, 'agent'], ['--config', simConfigWith('text')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/log\.format/);
  });

  it.runIf(hasCommand('script'))(
    'pretty without the flag when stderr is a terminal',
    { timeout: 60_000 },
    () => {
      // script(1) runs the agent on a pseudo-terminal; its metrics (stdout) go to /dev/null
      const cmd = `${process.execPath} ${BIN} agent --config ${SIM} --publish stdout --speed 10 --duration 1 --device tty-1 >/dev/null`;
      const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { cwd: REPO, encoding: 'utf8' });
      expect(r.status, r.stdout).toBe(0);
      // colours on a terminal: compare the text without them
      const text = r.stdout.replaceAll(ANSI, '');
      expect(lines(text)[0], text).toMatch(PRETTY('redband-agent/tty-1', 'agent started'));
      expect(r.stdout).toContain('\x1b[32mINFO');
    },
  );
});
