// packaging/install.sh, run by the real /bin/sh on a small package laid out as the build lays
// it out: every refusal is one line naming the problem (Node missing, too old, another
// architecture or ABI, not root, a bad argument) and installs nothing; --prefix installs
// under the prefix with the paths of the config and the unit moved there, and keeps an
// operator's config on a second run.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageEnv, packageInfo } from '../../scripts/package/steps.ts';
import { tmpDir } from '../support/brokers.ts';
import { REPO } from '../support/processes.ts';

const INFO = packageInfo();
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const OTHER_ARCH = ARCH === 'x64' ? 'arm64' : 'x64';
const REAL = {
  version: process.versions.node,
  platform: 'linux',
  arch: ARCH,
  abi: process.versions.modules,
};

/** A package as npm run build:agent lays it out, with a stand-in bundle. */
function fakePackage(): string {
  const dir = join(tmpDir('redband-pkg-'), 'redband-agent');
  mkdirSync(join(dir, 'opt', 'redband', 'models'), { recursive: true });
  mkdirSync(join(dir, 'etc', 'redband'), { recursive: true });
  copyFileSync(join(REPO, 'packaging', 'install.sh'), join(dir, 'install.sh'));
  chmodSync(join(dir, 'install.sh'), 0o755);
  writeFileSync(join(dir, 'package.env'), packageEnv(INFO, ARCH, 'node'));
  writeFileSync(join(dir, 'opt', 'redband', 'redband-agent.mjs'), '// stand-in\n');
  writeFileSync(
    join(dir, 'etc', 'redband', 'agent.yaml'),
    'model:\n  path: /opt/redband/models/m.onnx\n',
  );
  copyFileSync(
    join(REPO, 'firmware-configs', 'redband-agent.service'),
    join(dir, 'redband-agent.service'),
  );
  return dir;
}

/** A directory holding only the tools install.sh uses, so a PATH can lack node. */
function toolsOnly(): string {
  const dir = tmpDir('redband-tools-');
  for (const tool of ['dirname', 'sed', 'awk', 'mkdir', 'cp', 'rm', 'mv', 'cat']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(dir, tool));
  }
  return dir;
}

/** `node` and `id` stand-ins: node prints the given facts, id the given user id. */
function fakeBin(facts: typeof REAL, uid: number, sub = ''): string {
  const dir = join(tmpDir('redband-fakebin-'), sub);
  mkdirSync(dir, { recursive: true });
  const node = `#!/bin/sh\nprintf '%s' '${facts.version} ${facts.platform} ${facts.arch} ${facts.abi}'\n`;
  writeFileSync(join(dir, 'node'), node, { mode: 0o755 });
  writeFileSync(join(dir, 'id'), `#!/bin/sh\necho ${uid}\n`, { mode: 0o755 });
  return dir;
}

function install(pkg: string, args: string[], path: string) {
  return spawnSync('/bin/sh', [join(pkg, 'install.sh'), ...args], {
    encoding: 'utf8',
    env: { PATH: path },
  });
}

describe('install.sh refuses, in one line, and installs nothing', () => {
  const tools = toolsOnly();
  const cases: {
    name: string;
    facts?: Partial<typeof REAL>;
    noNode?: boolean;
    uid?: number;
    args?: string[];
    /** a folder under the fake node's directory, so its path holds it */
    nodeDir?: string;
    error: RegExp;
  }[] = [
    {
      name: 'no node on PATH',
      noNode: true,
      error: new RegExp(`Node\\.js >= ${INFO.nodeMin} is needed, and there is no node on PATH$`),
    },
    {
      name: 'Node 18',
      facts: { version: '18.19.0' },
      error: new RegExp(`Node\\.js >= ${INFO.nodeMin} is needed; \\S+/node is 18\\.19\\.0$`),
    },
    {
      name: 'Node 20 older than the least minor',
      facts: { version: '20.0.0' },
      error: new RegExp(`Node\\.js >= ${INFO.nodeMin} is needed; \\S+/node is 20\\.0\\.0$`),
    },
    {
      name: 'not Linux',
      facts: { platform: 'darwin' },
      error: /this package is for Linux; \S+ runs on darwin$/,
    },
    {
      name: 'another architecture',
      facts: { arch: OTHER_ARCH },
      error: new RegExp(
        `this package is for linux-${ARCH}; \\S+ is linux-${OTHER_ARCH}: build one with npm run build:agent -- --arch ${OTHER_ARCH}$`,
      ),
    },
    {
      name: "another Node major (better-sqlite3's ABI)",
      facts: { version: '22.12.0', abi: '127' },
      error: new RegExp(
        `better-sqlite3 was built with Node ${process.versions.node} \\(ABI ${REAL.abi}\\); \\S+ is 22\\.12\\.0 \\(ABI 127\\): ` +
          `install Node ${process.versions.node.split('.')[0]} or build the package with Node 22$`,
      ),
    },
    {
      name: 'not root, no --prefix',
      uid: 1000,
      args: [],
      error:
        /run as root \(sudo \S+install\.sh\), or pass --prefix DIR to install under DIR without root$/,
    },
    {
      name: 'a node path that cannot go into the unit',
      nodeDir: 'with space',
      error:
        /node at \S+\/with space\/node: use only letters, digits and \. _ \/ \+ - in the path$/,
    },
    {
      name: 'an unknown argument',
      args: ['--frobnicate'],
      error: /unknown argument: --frobnicate \(usage: install\.sh \[--prefix DIR\]\)$/,
    },
    {
      name: '--prefix without a directory',
      args: ['--prefix'],
      error: /--prefix needs a directory$/,
    },
    {
      name: 'a prefix with a space',
      args: ['--prefix', 'PREFIX/with space'],
      error: /--prefix \S+\/with space: use only letters, digits and \. _ \/ \+ - in the path$/,
    },
  ];

  it.each(cases)('$name', ({ facts, noNode, uid, args, nodeDir, error }) => {
    const pkg = fakePackage();
    const prefix = tmpDir('redband-prefix-');
    const bin = fakeBin({ ...REAL, ...facts }, uid ?? 0, nodeDir);
    const argv = (args ?? ['--prefix', prefix]).map((a) => a.replace('PREFIX', prefix));
    const run = install(pkg, argv, noNode ? tools : `${bin}:${tools}`);
    expect(run.status, run.stdout).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(error)]);
    expect(existsSync(join(prefix, 'opt'))).toBe(false);
  });
});

describe('install.sh --prefix', () => {
  it('installs under the prefix without root, and keeps an edited config on a second run', () => {
    const pkg = fakePackage();
    const prefix = tmpDir('redband-prefix-');
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    const first = install(pkg, ['--prefix', prefix], path);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('no redband user is created and systemctl is not run');

    const config = join(prefix, 'etc', 'redband', 'agent.yaml');
    expect(readFileSync(config, 'utf8')).toContain(`path: ${prefix}/opt/redband/models/m.onnx`);
    const unit = readFileSync(join(prefix, 'etc/systemd/system/redband-agent.service'), 'utf8');
    const settings = unit.split('\n').filter((l) => !l.startsWith('#'));
    const execStart = settings.find((l) => l.startsWith('ExecStart='));
    expect(execStart).toMatch(new RegExp(`^ExecStart=${process.execPath} `));
    expect(execStart).toContain(`${prefix}/opt/redband/redband-agent.mjs --config ${config}`);
    expect(settings).toContain(`WorkingDirectory=${prefix}/var/lib/redband`);
    // the command it prints is the unit's: its environment (what systemd alone expands left
    // out) and its ExecStart, node flags included
    const env = settings
      .filter((l) => l.startsWith('Environment=') && !l.includes('%'))
      .map((l) => l.slice('Environment='.length));
    expect(env.length).toBeGreaterThan(0);
    expect(first.stdout).toContain(
      `run it: cd ${prefix}/var/lib/redband && ${env.join(' ')} ${execStart!.slice('ExecStart='.length)}`,
    );
    // every path of the agent's in the unit's settings is under the prefix
    for (const line of settings)
      for (const m of line.matchAll(/\/(opt|etc|var\/lib)\/redband/g))
        expect(line.slice(0, m.index), line).toMatch(new RegExp(`${prefix}$`));
    expect(existsSync(join(prefix, 'var', 'lib', 'redband'))).toBe(true);

    writeFileSync(config, '# edited by the operator\n');
    writeFileSync(join(prefix, 'opt', 'redband', 'stale.mjs'), '');
    const second = install(pkg, ['--prefix', prefix], path);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain(`kept ${config}; the packaged config is ${config}.new`);
    expect(readFileSync(config, 'utf8')).toBe('# edited by the operator\n');
    expect(readFileSync(`${config}.new`, 'utf8')).toContain(`${prefix}/opt/redband/models/m.onnx`);
    expect(existsSync(join(prefix, 'opt', 'redband', 'stale.mjs'))).toBe(false);
  });
});
