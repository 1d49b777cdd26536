// npm run build:agent's inputs: each bad one is refused before any slow step, in a line naming
// the option and the problem, with exit code 2 and no package; a foreign architecture builds
// from the addon it is given and carries that architecture's binaries only. The ELF reader
// and the node_modules selection, on their own.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { INSTALL_HOME, packagedConfig } from '../../scripts/package/config.ts';
import { elfArch } from '../../scripts/package/elf.ts';
import { collectModules, SQLITE_ADDON, type Arch } from '../../scripts/package/modules.ts';
import { VERSION } from '../../shared/version.ts';
import { tmpDir } from '../support/brokers.ts';
import { REPO } from '../support/processes.ts';

const HOST: Arch = process.arch === 'arm64' ? 'arm64' : 'x64';
const FOREIGN: Arch = HOST === 'x64' ? 'arm64' : 'x64';
const HOST_ADDON = join(REPO, 'node_modules', 'better-sqlite3', SQLITE_ADDON);

function build(args: string[], cwd = REPO) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'scripts', 'package', 'build.ts'), ...args],
    { cwd, encoding: 'utf8', timeout: 50_000 },
  );
}

/** The first 20 bytes of a little-endian ELF file for `machine`, `elfClass` 1 or 2. */
function elfHeader(machine: number, elfClass: number): Uint8Array {
  const h = new Uint8Array(20);
  h.set([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1]);
  h[18] = machine & 0xff;
  h[19] = machine >> 8;
  return h;
}

describe('build:agent refuses bad input in one line, exit 2, before any slow step', () => {
  const dir = tmpDir('redband-build-args-');
  writeFileSync(join(dir, 'bad.yaml'), 'source: { kind: sim }\nmodel: { path: nope.onnx }\n');
  writeFileSync(
    join(dir, 'colour.yaml'),
    readFileSync(join(REPO, 'firmware-configs/sim-vibration.yaml'), 'utf8').replace(
      'models/sim-vibration.onnx',
      `${REPO}/models/sim-vibration.onnx`,
    ) + 'colour: red\n',
  );
  const cases: { name: string; args: string[]; error: RegExp }[] = [
    {
      name: 'an unknown --arch',
      args: ['--arch', 'sparc'],
      error: /--arch sparc: expected one of x64, arm64, arm$/,
    },
    { name: 'an unknown option', args: ['--frobnicate'], error: /Unknown option '--frobnicate'/ },
    {
      name: 'a missing config',
      args: ['--config', 'nope.yaml'],
      error: /nope\.yaml: cannot read the config file \(ENOENT\)$/,
    },
    {
      name: "a config's missing model",
      args: ['--config', join(dir, 'bad.yaml')],
      error: /bad\.yaml: model\.path: file not found: .*nope\.onnx$/,
    },
    {
      name: 'an unknown config key',
      args: ['--config', join(dir, 'colour.yaml')],
      error: /colour\.yaml: colour: unknown key$/,
    },
    {
      name: 'a node-runtime config for 32-bit ARM',
      args: ['--arch', 'arm'],
      error:
        /model\.runtime is node, and onnxruntime-node has no linux-arm build \(it has x64, arm64\): use a model\.runtime: wasm config/,
    },
    {
      name: 'a foreign arch without its better-sqlite3',
      args: ['--arch', FOREIGN],
      error: new RegExp(
        `better-sqlite3 on this host is a linux-${HOST} binary, and there is no linux-${FOREIGN} build to package: .*` +
          `npm install --no-save better-sqlite3@\\d+\\.\\d+\\.\\d+.* as --sqlite-binary FILE`,
      ),
    },
    {
      name: '--sqlite-binary of another arch',
      args: ['--arch', FOREIGN, '--sqlite-binary', HOST_ADDON],
      error: new RegExp(`--sqlite-binary \\S+ is a linux-${HOST} binary, not linux-${FOREIGN}$`),
    },
    {
      name: '--sqlite-binary that is no binary',
      args: ['--sqlite-binary', 'README.md'],
      error: new RegExp(
        `--sqlite-binary README\\.md is not a Linux ELF binary, not linux-${HOST}$`,
      ),
    },
    {
      name: 'an --out that cannot be written',
      args: ['--out', join(dir, 'bad.yaml', 'out')], // under a file
      error: /--out \S+\/bad\.yaml\/out: cannot write there \(ENOTDIR\)$/,
    },
    {
      name: 'a missing --sqlite-binary',
      args: ['--sqlite-binary', 'nope.node'],
      error: /--sqlite-binary nope\.node: file not found$/,
    },
  ];

  it.each(cases)('$name', ({ args, error }) => {
    const out = tmpDir('redband-build-out-');
    const run = build(['--out', out, ...args]); // a case's own --out comes last and wins
    expect(run.status, run.stderr).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^build:agent: /);
    expect(
      lines.some((l) => error.test(l)),
      run.stderr,
    ).toBe(true);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('build:agent for a foreign architecture', () => {
  it(`packages linux-${FOREIGN} from --sqlite-binary, with linux-${FOREIGN} binaries only`, () => {
    const dir = tmpDir('redband-build-foreign-');
    const addon = join(dir, 'better_sqlite3.node');
    writeFileSync(addon, elfHeader(FOREIGN === 'arm64' ? 183 : 62, 2)); // inspected, never loaded
    const run = build(['--arch', FOREIGN, '--sqlite-binary', addon, '--out', dir]);
    expect(run.status, run.stderr).toBe(0);
    const name = `redband-agent-${VERSION}-linux-${FOREIGN}`;
    const tarball = join(dir, `${name}.tar.gz`);
    const entries = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    const natives = entries.filter((e) => /onnxruntime-node\/bin\/.+\.(node|so(\.\d+)*)$/.test(e));
    expect(natives.length).toBeGreaterThan(0);
    for (const e of natives) expect(e).toContain(`/linux/${FOREIGN}/`);
    const x = spawnSync('tar', [
      '-xzf',
      tarball,
      '-C',
      dir,
      `${name}/opt/redband/node_modules/better-sqlite3/${SQLITE_ADDON}`,
      `${name}/package.env`,
    ]);
    expect(x.status).toBe(0);
    expect(
      readFileSync(join(dir, name, 'opt/redband/node_modules/better-sqlite3', SQLITE_ADDON)),
    ).toEqual(Buffer.from(readFileSync(addon)));
    expect(readFileSync(join(dir, name, 'package.env'), 'utf8')).toContain(
      `PACKAGE_ARCH=${FOREIGN}\n`,
    );
    rmSync(dir, { recursive: true, force: true }); // a package and its bundle: some 30 MB
  });
});

describe('elfArch', () => {
  const cases: { name: string; head: Uint8Array; arch: Arch | null }[] = [
    { name: 'x86-64', head: elfHeader(62, 2), arch: 'x64' },
    { name: 'AArch64', head: elfHeader(183, 2), arch: 'arm64' },
    { name: '32-bit ARM', head: elfHeader(40, 1), arch: 'arm' },
    { name: '64-bit class with the ARM machine', head: elfHeader(40, 2), arch: null },
    {
      name: 'big-endian',
      head: (() => {
        const h = elfHeader(62, 2);
        h[5] = 2;
        return h;
      })(),
      arch: null,
    },
    {
      name: 'a Mach-O file',
      head: new Uint8Array([0xcf, 0xfa, 0xed, 0xfe, ...new Array<number>(16).fill(0)]),
      arch: null,
    },
    {
      name: 'a PE file',
      head: new Uint8Array([0x4d, 0x5a, ...new Array<number>(18).fill(0)]),
      arch: null,
    },
    { name: 'too short', head: new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), arch: null },
  ];
  it.each(cases)('$name', ({ head, arch }) => expect(elfArch(head)).toBe(arch));

  it("reads this host's better-sqlite3 as the host's arch", () => {
    expect(elfArch(readFileSync(HOST_ADDON).subarray(0, 20))).toBe(HOST);
  });
});

describe('collectModules', () => {
  it.each(['x64', 'arm64'] as const)(
    'linux-%s: that architecture, no install-time packages',
    (arch) => {
      const dests = collectModules(REPO, arch).map((f) => f.dest);
      const bins = dests.filter((d) => d.startsWith('onnxruntime-node/bin/'));
      expect(bins.length).toBeGreaterThan(0);
      for (const b of bins)
        expect(b).toMatch(new RegExp(`^onnxruntime-node/bin/napi-v\\d+/linux/${arch}/`));
      expect(
        dests.filter((d) =>
          /^(adm-zip|global-agent|prebuild-install|flatbuffers|protobufjs)\//.test(d),
        ),
      ).toEqual([]);
      expect(dests.filter((d) => d.startsWith('onnxruntime-web/dist/')).sort()).toEqual([
        'onnxruntime-web/dist/ort-wasm-simd-threaded.mjs',
        'onnxruntime-web/dist/ort-wasm-simd-threaded.wasm',
        'onnxruntime-web/dist/ort.node.min.js',
        'onnxruntime-web/dist/ort.node.min.mjs',
      ]);
      expect(dests).toContain(`better-sqlite3/${SQLITE_ADDON}`);
      expect(
        dests.filter((d) => d.startsWith('better-sqlite3/') && /\/(deps|src)\//.test(d)),
      ).toEqual([]);
      expect(dests.filter((d) => /\.(map|d\.ts)$/.test(d))).toEqual([]);
    },
  );

  it('leaves out a package it is told to skip', () => {
    const dests = collectModules(REPO, 'arm', ['onnxruntime-node']).map((f) => f.dest);
    expect(dests.filter((d) => d.startsWith('onnxruntime-node/'))).toEqual([]);
    expect(dests).toContain('onnxruntime-common/package.json');
  });

  it('says what is missing when a package is not installed', () => {
    const empty = tmpDir('redband-no-modules-');
    copyFileSync(join(REPO, 'package.json'), join(empty, 'package.json'));
    expect(() => collectModules(empty, 'x64')).toThrow(
      /onnxruntime-node is not installed under .*\/node_modules: run npm ci first/,
    );
  });
});

describe('packagedConfig', () => {
  // A CSV source names the device's data file, absent on the build machine.
  const deviceCsv = join(tmpDir('redband-csv-config-'), 'pump.yaml');
  const skab = parseDocument(readFileSync(join(REPO, 'firmware-configs/skab-pump.yaml'), 'utf8'));
  skab.setIn(['source', 'path'], '/var/lib/redband/no-such-pump.csv');
  skab.setIn(['model', 'path'], join(REPO, 'models', 'skab-pump.onnx'));
  writeFileSync(deviceCsv, skab.toString());
  const cases = [
    {
      file: 'firmware-configs/sim-vibration.yaml',
      model: 'sim-vibration.onnx',
      runtime: 'node',
      notes: 0,
    },
    {
      file: 'firmware-configs/arm32-gateway.yaml',
      model: 'sim-vibration.onnx',
      runtime: 'wasm',
      notes: 0,
    },
    { file: deviceCsv, model: 'skab-pump.onnx', runtime: 'node', notes: 1 },
  ];
  it.each(cases)('$file', ({ file, model, runtime, notes }) => {
    const c = packagedConfig(file, REPO);
    expect(c.runtime).toBe(runtime);
    expect(c.modelSrc).toBe(join(REPO, 'models', model));
    const doc = parseDocument(c.text);
    expect(doc.getIn(['model', 'path'])).toBe(`${INSTALL_HOME}/models/${model}`);
    const original = parseDocument(readFileSync(resolve(REPO, file), 'utf8'));
    expect(doc.toJS().source).toEqual(original.toJS().source); // kept as written
    expect(c.notes).toHaveLength(notes);
  });
});
