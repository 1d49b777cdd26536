// Building the CLI (every subcommand's options and help) must not load a heavy dependency:
// each command imports its implementation in its action. Checked in a fresh `node` so this
// test's own imports do not count.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Packages only some command actions need: config schemas and YAML, tfjs, ONNX runtimes, the
 * bundler, SQLite.
 */
const HEAVY = [
  'zod',
  'yaml',
  '@tensorflow',
  'onnxruntime-node',
  'onnxruntime-web',
  'esbuild',
  'better-sqlite3',
];

// Two views of what loads: tsx reports each module the ESM loader loads (that includes a
// package imported from a .ts file, ESM-only ones such as onnxruntime-web's build too), and
// the CommonJS cache holds what those packages require in turn. tsx itself requires esbuild
// when registered, so the cache is compared with its contents just after registration.
const CHILD = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const esm = [];
const { register } = await import('tsx/esm/api');
register({ onImport: (url) => esm.push(url) });
const baseline = new Set(Object.keys(require.cache));
const { commandFactories } = await import('./cli/commands.ts');
for (const make of commandFactories) make();
// onImport arrives over a message port, in load order: once a last module is reported,
// every earlier one has been.
await import('./shared/version.ts?lazy-imports=last');
for (let waited = 0; !esm.some((url) => url.includes('lazy-imports=last')); waited += 5) {
  if (waited > 10000) throw new Error('tsx never reported the last import');
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const cjs = Object.keys(require.cache).filter((path) => !baseline.has(path));
process.stdout.write(JSON.stringify({ esm, cjs }));
`;

describe('redband CLI start-up', () => {
  it('builds every command without loading a heavy package', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: ROOT,
    });
    const { esm, cjs } = JSON.parse(stdout) as { esm: string[]; cjs: string[] };
    expect(esm.some((url) => url.endsWith('/cli/commands.ts'))).toBe(true);
    // file: URLs and cache paths both spell a package's files as …/node_modules/<name>/…
    const heavy = [...esm, ...cjs].filter((where) =>
      HEAVY.some((name) => where.includes(`/node_modules/${name}/`)),
    );
    const packages = [
      ...new Set(heavy.map((where) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)![1])),
    ];
    expect(packages).toEqual([]);
  });
});
