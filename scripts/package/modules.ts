// Which files of node_modules a device needs: the bundle's external packages and what they
// load at run time, for one Linux architecture. Everything else in those packages (other
// platforms' binaries, install-time helpers, sources, type declarations, source maps) stays
// on the build machine.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import externals from './externals.json' with { type: 'json' };

/** The Linux architectures a package can be built for, as Node's process.arch names them. */
export const ARCHES = ['x64', 'arm64', 'arm'] as const;
export type Arch = (typeof ARCHES)[number];

/** A package's own rule: which of its files to keep, and which dependencies it loads at run time. */
interface PackageRule {
  keep(rel: string, arch: Arch): boolean;
  /** dependencies loaded at run time; the rest of package.json's `dependencies` are install-time */
  runtimeDeps: readonly string[];
}

/** Where better-sqlite3 keeps its compiled addon, relative to its package folder. */
export const SQLITE_ADDON = 'build/Release/better_sqlite3.node';

const LICENSE = /^(LICEN[SC]E|COPYING|NOTICE)(\.[a-z]+)?$/i;
const NOT_NEEDED = /(\.map|\.d\.[cm]?ts|\.ts|\.md)$/;

/** Any package without its own rule: all of it but maps, declarations and docs. */
function keepDefault(rel: string): boolean {
  const base = rel.split('/').at(-1) ?? rel;
  if (LICENSE.test(base)) return true;
  if (rel.startsWith('test/') || base.startsWith('.')) return false;
  return !NOT_NEEDED.test(rel);
}

function keepCommon(rel: string): boolean {
  return rel === 'package.json' || LICENSE.test(rel);
}

export const RULES: Record<string, PackageRule> = {
  // The CPU binaries ship inside the npm tarball for every platform (bin/napi-v*/<os>/<arch>);
  // script/ is the postinstall that would download CUDA providers (skipped, never shipped).
  'onnxruntime-node': {
    keep: (rel, arch) =>
      keepCommon(rel) ||
      (rel.startsWith('dist/') && rel.endsWith('.js')) ||
      new RegExp(`^bin/napi-v\\d+/linux/${arch}/`).test(rel),
    runtimeDeps: ['onnxruntime-common'],
  },
  // Node imports dist/ort.node.min.mjs (self-contained but for onnxruntime-common), which
  // loads the plain SIMD+threads WebAssembly pair; the jsep/jspi/asyncify builds are for
  // browsers' WebGPU.
  'onnxruntime-web': {
    keep: (rel) =>
      keepCommon(rel) ||
      /^dist\/ort\.node\.min\.(mjs|js)$/.test(rel) ||
      /^dist\/ort-wasm-simd-threaded\.(mjs|wasm)$/.test(rel),
    runtimeDeps: ['onnxruntime-common'],
  },
  // The compiled addon only (build/Release/better_sqlite3.node); prebuild-install is its
  // install step, deps/ and src/ are the sources it was compiled from.
  'better-sqlite3': {
    keep: (rel) =>
      keepCommon(rel) || (rel.startsWith('lib/') && rel.endsWith('.js')) || rel === SQLITE_ADDON,
    runtimeDeps: ['bindings'],
  },
};

export interface ModuleFile {
  /** absolute path on the build machine */
  src: string;
  /** path inside the package's node_modules, with forward slashes */
  dest: string;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listFiles(p));
    } else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Node's lookup of `name` from a package folder: its own node_modules, then each parent's. */
function resolvePackage(name: string, from: string, top: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === top || dirname(dir) === dir) break;
  }
  throw new Error(`${name} is not installed under ${top}/node_modules: run npm ci first`);
}

function dependenciesOf(pkgDir: string, name: string): string[] {
  const rule = RULES[name];
  if (rule) return [...rule.runtimeDeps];
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(pkg.dependencies ?? {});
}

/**
 * The node_modules files a device needs for `arch`, from the repository at `root`. `skip`
 * names packages left out (onnxruntime-node where it has no build for the architecture).
 */
export function collectModules(
  root: string,
  arch: Arch,
  skip: readonly string[] = [],
): ModuleFile[] {
  const files: ModuleFile[] = [];
  const seen = new Set<string>();
  const queue = externals.filter((n) => !skip.includes(n)).map((name) => ({ name, from: root }));
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const dir = resolvePackage(name, from, root);
    if (seen.has(dir)) continue;
    seen.add(dir);
    const keep = RULES[name]?.keep ?? keepDefault;
    for (const src of listFiles(dir)) {
      const rel = relative(dir, src).split(sep).join('/');
      if (!keep(rel, arch)) continue;
      const dest = relative(join(root, 'node_modules'), src).split(sep).join('/');
      files.push({ src, dest });
    }
    for (const dep of dependenciesOf(dir, name)) queue.push({ name: dep, from: dir });
  }
  return files;
}

/** Total size in bytes of `files` on the build machine. */
export function totalBytes(files: readonly ModuleFile[]): number {
  return files.reduce((sum, f) => sum + statSync(f.src).size, 0);
}
