// README.md's "Deploying an agent on a device", followed as an operator would on a clean
// machine: build the package for this host's architecture, unpack it in an empty directory,
// run install.sh --prefix there, point the installed config at a broker (an embedded Aedes)
// and start the installed unit's command line (ExecStart, in its WorkingDirectory). Its
// status and metrics arrive; the package holds no other platform's or architecture's binaries.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elfArch } from '../../scripts/package/elf.ts';
import { decodeMetrics, decodeStatus } from '../../shared/schema/index.ts';
import { VERSION } from '../../shared/version.ts';
import { aedesBroker } from '../agent/harness.ts';
import { tmpDir, waitFor } from '../support/brokers.ts';
import { REPO } from '../support/processes.ts';

const ARCH = process.arch;
const NAME = `redband-agent-${VERSION}-linux-${ARCH}`;
/** the package, its unpacked and its installed copy: some 150 MB, removed after the tests */
const made: string[] = [];
const scratch = (prefix: string): string => {
  const dir = tmpDir(prefix);
  made.push(dir);
  return dir;
};
const out = scratch('redband-dist-');
const tarball = join(out, `${NAME}.tar.gz`);
let build: ReturnType<typeof spawnSync>;

beforeAll(() => {
  // README step 1, into a private directory so a concurrent build cannot interfere
  build = spawnSync('npm', ['run', '--silent', 'build:agent', '--', '--out', out], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 50_000,
  });
}, 60_000);

function head(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  const bytes = new Uint8Array(20);
  readSync(fd, bytes, 0, 20, 0);
  closeSync(fd);
  return bytes;
}

/** A unit file's settings (the last of each key; systemd's %-specifiers are left as they are). */
function unitSettings(file: string): { keys: Record<string, string>; env: Record<string, string> } {
  const keys: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m) continue;
    keys[m[1]!] = m[2]!;
    // Environment=NAME=value, less what only systemd expands (%H)
    const e = m[1] === 'Environment' && !m[2]!.includes('%') ? /^(\w+)=(.*)$/.exec(m[2]!) : null;
    if (e) env[e[1]!] = e[2]!;
  }
  return { keys, env };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe(`the device package (linux-${ARCH})`, () => {
  it('is built with one progress line per step and holds only this architecture', () => {
    expect(build.status, String(build.stderr)).toBe(0);
    const lines = String(build.stdout).trim().split('\n');
    expect(lines.some((l) => /bundling/.test(l))).toBe(true);
    expect(lines.some((l) => /packing/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`${NAME}\\.tar\\.gz: [\\d.]+ MiB$`));

    expect(existsSync(join(out, 'redband-agent.mjs'))).toBe(true); // the bundle, beside it
    const entries = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of [
      'install.sh',
      'package.env',
      'redband-agent.service',
      'etc/redband/agent.yaml',
    ])
      expect(entries).toContain(`${NAME}/${f}`);
    expect(entries).toContain(`${NAME}/opt/redband/redband-agent.mjs`);
    expect(entries).toContain(`${NAME}/opt/redband/models/sim-vibration.onnx`);
    expect(entries.filter((e) => /darwin|win32|\.dylib$|\.dll$|\.exe$/.test(e))).toEqual([]);
    expect(
      entries.filter((e) => /node_modules\/(adm-zip|global-agent|prebuild-install)\//.test(e)),
    ).toEqual([]);
    const nativeDirs = entries.filter((e) =>
      /onnxruntime-node\/bin\/napi-v\d+\/[^/]+\/[^/]+\/$/.test(e),
    );
    expect(nativeDirs.map((e) => e.split('/').slice(-3, -1).join('/'))).toEqual([`linux/${ARCH}`]);
  });

  it('installs with install.sh --prefix and the installed agent publishes to a broker', async () => {
    expect(build.status, String(build.stderr)).toBe(0);
    const unpacked = scratch('redband-unpacked-');
    expect(spawnSync('tar', ['-xzf', tarball, '-C', unpacked]).status).toBe(0);
    const natives = filesUnder(join(unpacked, NAME)).filter((f) => /\.(node|so(\.\d+)*)$/.test(f));
    expect(natives.length).toBeGreaterThan(0);
    for (const f of natives) expect(elfArch(head(f)), f).toBe(ARCH);

    // README step 2: install.sh --prefix (no root: no user, no systemctl)
    const prefix = scratch('redband-root-');
    const install = spawnSync(join(unpacked, NAME, 'install.sh'), ['--prefix', prefix], {
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toContain('no redband user is created and systemctl is not run');

    // README step 3: point the installed config at the broker
    const broker = await aedesBroker();
    await broker.start();
    const config = join(prefix, 'etc', 'redband', 'agent.yaml');
    const doc = parseDocument(readFileSync(config, 'utf8'));
    doc.setIn(['mqtt', 'url'], broker.url);
    writeFileSync(config, doc.toString());

    // README step 4: run the installed unit's command line, in its working directory
    const { keys: unit, env } = unitSettings(
      join(prefix, 'etc', 'systemd', 'system', 'redband-agent.service'),
    );
    const [cmd, ...args] = unit.ExecStart!.split(/\s+/);
    expect(args).toContain(join(prefix, 'opt', 'redband', 'redband-agent.mjs'));
    expect(unit.WorkingDirectory).toBe(join(prefix, 'var', 'lib', 'redband'));
    const agent = spawn(cmd!, args, {
      cwd: unit.WorkingDirectory,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...env, PATH: process.env.PATH, REDBAND_DEVICE: 'pkg-01' },
    });
    let stderr = '';
    agent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => agent.once('exit', r));
    try {
      const payloads = () => broker.accepted.filter((d) => d.topic.includes('/pkg-01/'));
      await waitFor(
        () => payloads().some((d) => decodeMetrics(d.payload).ok),
        `metrics from the installed agent (stderr: ${stderr})`,
        20_000,
      );
      const status = payloads()
        .map((d) => decodeStatus(d.payload))
        .find((d) => d.ok);
      expect(status?.ok && status.value.state).toBe('online');
      expect(status?.ok && status.value.model.name).toBe('sim-vibration.onnx');
      agent.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      const last = decodeStatus(payloads().at(-1)!.payload);
      expect(last.ok && last.value.state).toBe('offline');
    } finally {
      agent.kill('SIGKILL');
      await broker.close();
    }
  });
});

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
