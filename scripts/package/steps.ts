// The steps of a device package, each one progress line: check the inputs (config, the
// architecture's binaries) before any slow work, stage the files in a private directory
// beside the output, pack it with tar, and move the archive into place in one rename, so
// concurrent builds and a build stopped halfway never leave a partial package.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../shared/errors.ts';
import { INSTALL_HOME, packagedConfig, type PackagedConfig } from './config.ts';
import { elfArch } from './elf.ts';
import { collectModules, SQLITE_ADDON, totalBytes, type Arch, type ModuleFile } from './modules.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UNIT = join(ROOT, 'firmware-configs', 'redband-agent.service');
const INSTALL_SH = join(ROOT, 'packaging', 'install.sh');
/** onnxruntime-node ships CPU builds for these Linux architectures only. */
const ONNX_NODE_ARCHES: readonly Arch[] = ['x64', 'arm64'];

export class PackageError extends UserError {
  constructor(message: string) {
    super(message, 'package');
  }
}

export interface BuildOptions {
  arch: Arch;
  /** device-class config, relative to cwd */
  config: string;
  /** output directory, relative to cwd */
  out: string;
  /** better-sqlite3's addon built on a machine of `arch` (for a foreign architecture) */
  sqliteBinary?: string | undefined;
  cwd: string;
  progress(line: string): void;
}

export interface BuildResult {
  file: string;
  bytes: number;
}

export interface PackageInfo {
  version: string;
  /** the least Node version, from package.json's engines */
  nodeMin: string;
}

export function packageInfo(): PackageInfo {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    engines: { node: string };
  };
  const min = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node);
  if (!min) throw new Error(`package.json engines.node "${pkg.engines.node}" is not ">=X.Y"`);
  return { version: pkg.version, nodeMin: min[1]! };
}

function fileHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(20);
    readSync(fd, head, 0, 20, 0);
    return head;
  } finally {
    closeSync(fd);
  }
}

/** The better-sqlite3 addon for `arch`: the host's when it is one, else --sqlite-binary. */
function sqliteAddon(opts: BuildOptions): string {
  const host = join(ROOT, 'node_modules', 'better-sqlite3', SQLITE_ADDON);
  const given = opts.sqliteBinary === undefined ? undefined : resolve(opts.cwd, opts.sqliteBinary);
  const file = given ?? host;
  if (!existsSync(file)) {
    throw new PackageError(
      given
        ? `--sqlite-binary ${opts.sqliteBinary}: file not found`
        : `${host} is missing: run npm ci`,
    );
  }
  const found = elfArch(fileHead(file));
  if (found === opts.arch) return file;
  const what = found ? `a linux-${found} binary` : 'not a Linux ELF binary';
  if (given)
    throw new PackageError(
      `--sqlite-binary ${opts.sqliteBinary} is ${what}, not linux-${opts.arch}`,
    );
  const version = (
    JSON.parse(
      readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
    ) as {
      version: string;
    }
  ).version;
  throw new PackageError(
    `better-sqlite3 on this host is ${what}, and there is no linux-${opts.arch} build to package: ` +
      `on a linux-${opts.arch} machine with Node ${process.versions.node.split('.')[0]}, run ` +
      `"npm install --no-save better-sqlite3@${version}" in an empty ` +
      `directory and pass its node_modules/better-sqlite3/${SQLITE_ADDON} as --sqlite-binary FILE ` +
      '(or build the package on that machine)',
  );
}

function checkRuntime(arch: Arch, config: PackagedConfig, file: string): void {
  if (config.runtime === 'node' && !ONNX_NODE_ARCHES.includes(arch)) {
    throw new PackageError(
      `${file}: model.runtime is node, and onnxruntime-node has no linux-${arch} build ` +
        `(it has ${ONNX_NODE_ARCHES.join(', ')}): use a model.runtime: wasm config ` +
        '(firmware-configs/arm32-gateway.yaml)',
    );
  }
}

function copyInto(dir: string, files: readonly ModuleFile[]): void {
  for (const f of files) {
    const dest = join(dir, f.dest);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(f.src, dest);
  }
}

/** Refuses a staged tree holding a binary another platform or architecture would need. */
function checkBinaries(dir: string, files: readonly ModuleFile[], arch: Arch): void {
  for (const f of files) {
    if (!/\.(node|so(\.\d+)*|dylib|dll|exe)$/.test(f.dest)) continue;
    const found = elfArch(fileHead(join(dir, f.dest)));
    if (found !== arch) {
      throw new Error(
        `staged ${f.dest} is ${found ? `linux-${found}` : 'not a Linux ELF'}, not linux-${arch}`,
      );
    }
  }
}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (r.error) throw new PackageError(`${what}: cannot run ${cmd} (${r.error.message})`);
  if (r.status !== 0)
    throw new PackageError(`${what} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** The package's facts for install.sh, as a file it sources. */
export function packageEnv(
  info: PackageInfo,
  arch: Arch,
  runtime: PackagedConfig['runtime'],
  node: { modules: string; node: string } = process.versions,
): string {
  return [
    '# Written by npm run build:agent; read by install.sh.',
    `REDBAND_VERSION=${info.version}`,
    `PACKAGE_ARCH=${arch}`,
    `NODE_MIN=${info.nodeMin}`,
    "# better-sqlite3 is compiled against one Node ABI (NODE_MODULE_VERSION): the build host's.",
    `NODE_ABI=${node.modules}`,
    `BUILD_NODE=${node.node}`,
    `MODEL_RUNTIME=${runtime}`,
    '',
  ].join('\n');
}

interface Staged {
  dir: string;
  name: string;
}

function stage(
  opts: BuildOptions,
  info: PackageInfo,
  config: PackagedConfig,
  sqlite: string,
  tmp: string,
): Staged {
  const name = `redband-agent-${info.version}-linux-${opts.arch}`;
  const dir = join(tmp, name);
  const home = join(dir, INSTALL_HOME.slice(1));
  const step = (line: string): void => opts.progress(`[${name}] ${line}`);

  step('bundling agent/main.ts with esbuild');
  const bundle = join(home, 'redband-agent.mjs');
  run(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs'), '--outfile', bundle], 'esbuild');
  // a device has no use for the source map; the copy beside the package keeps it
  renameSync(`${bundle}.map`, join(tmp, 'redband-agent.mjs.map'));

  const skip = ONNX_NODE_ARCHES.includes(opts.arch) ? [] : ['onnxruntime-node'];
  const files = collectModules(ROOT, opts.arch, skip).map((f) =>
    f.dest === `better-sqlite3/${SQLITE_ADDON}` ? { ...f, src: sqlite } : f,
  );
  step(
    `copying ${files.length} node_modules files (${(totalBytes(files) / 2 ** 20).toFixed(1)} MiB) for linux-${opts.arch}`,
  );
  copyInto(join(home, 'node_modules'), files);
  checkBinaries(join(home, 'node_modules'), files, opts.arch);

  step(`adding model ${config.modelName}, config ${opts.config}, systemd unit, install.sh`);
  mkdirSync(join(home, 'models'), { recursive: true });
  copyFileSync(config.modelSrc, join(home, 'models', config.modelName));
  mkdirSync(join(dir, 'etc', 'redband'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'redband', 'agent.yaml'), config.text);
  copyFileSync(UNIT, join(dir, 'redband-agent.service'));
  copyFileSync(INSTALL_SH, join(dir, 'install.sh'));
  chmodSync(join(dir, 'install.sh'), 0o755);
  writeFileSync(join(dir, 'package.env'), packageEnv(info, opts.arch, config.runtime));
  return { dir, name };
}

function pack(
  staged: Staged,
  tmp: string,
  outDir: string,
  progress: (l: string) => void,
): BuildResult {
  const file = join(outDir, `${staged.name}.tar.gz`);
  progress(`[${staged.name}] packing ${relative(process.cwd(), file)} (tar, gzip)`);
  const partial = join(tmp, `${staged.name}.tar.gz`);
  // root-owned, name-sorted entries: the archive depends on the files, not on who built it
  run(
    'tar',
    [
      '-czf',
      partial,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--sort=name',
      '-C',
      tmp,
      staged.name,
    ],
    'tar',
  );
  renameSync(partial, file);
  return { file: relative(process.cwd(), file) || file, bytes: statSync(file).size };
}

/**
 * The bundle beside the package as well (out/redband-agent.mjs, with its map), as
 * `node scripts/build-agent.mjs` leaves it: from dist/ it runs against the repository's
 * node_modules. Renamed into place, so a process running the previous one never reads half a file.
 */
function keepBundle(staged: Staged, tmp: string, outDir: string): void {
  const home = join(staged.dir, INSTALL_HOME.slice(1));
  for (const [from, name] of [
    [home, 'redband-agent.mjs'],
    [home, 'redband-agent.mjs.LEGAL.txt'],
    [tmp, 'redband-agent.mjs.map'],
  ] as const) {
    renameSync(join(from, name), join(outDir, name));
  }
}

export function buildPackage(opts: BuildOptions): BuildResult {
  const info = packageInfo();
  opts.progress(`checking ${opts.config} and the linux-${opts.arch} binaries`);
  const config = packagedConfig(opts.config, opts.cwd);
  checkRuntime(opts.arch, config, opts.config);
  const sqlite = sqliteAddon(opts);
  for (const note of config.notes) opts.progress(`note: ${note}`);

  const outDir = resolve(opts.cwd, opts.out);
  let tmp: string;
  try {
    mkdirSync(outDir, { recursive: true });
    tmp = mkdtempSync(join(outDir, '.staging-'));
  } catch (e) {
    throw new PackageError(
      `--out ${opts.out}: cannot write there (${(e as NodeJS.ErrnoException).code ?? e})`,
    );
  }
  try {
    const staged = stage(opts, info, config, sqlite, tmp);
    const result = pack(staged, tmp, outDir, opts.progress);
    keepBundle(staged, tmp, outDir);
    opts.progress(
      `[${staged.name}] the bundle stays beside it: ${relative(process.cwd(), join(outDir, 'redband-agent.mjs'))}`,
    );
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
