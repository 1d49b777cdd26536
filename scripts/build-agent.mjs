#!/usr/bin/env node
// Bundles the edge agent (agent/main.ts) into one ESM file, dist/redband-agent.mjs (or
// --outfile FILE), so a device needs Node and three native/runtime packages (kept external:
// they ship binaries or .wasm files a bundler cannot inline), not the repository and its
// tooling. The device package (`npm run build:agent`, scripts/package/build.ts) calls this.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import externals from './package/externals.json' with { type: 'json' };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function outfileFrom(argv) {
  const at = argv.indexOf('--outfile');
  if (at === -1) return join(root, 'dist', 'redband-agent.mjs');
  const value = argv[at + 1];
  if (!value || value.startsWith('--')) {
    process.stderr.write('build-agent: --outfile needs a file name\n');
    process.exit(2);
  }
  return resolve(value);
}

const outfile = outfileFrom(process.argv.slice(2));

const result = await build({
  entryPoints: [join(root, 'agent', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: externals,
  // CommonJS dependencies (pino, mqtt, commander) call require() for Node built-ins, which
  // an ESM file does not have: give the bundle one.
  banner: {
    js: "import { createRequire as __redbandCreateRequire } from 'node:module';\nconst require = __redbandCreateRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: 'external',
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
});

const bytes = statSync(outfile).size;
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(
  `${relative(process.cwd(), outfile)}: ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes) from ${inputs} modules; ` +
    `external: ${externals.join(', ')}\n`,
);
