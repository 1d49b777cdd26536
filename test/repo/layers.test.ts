// Layers point one way: shared/ is the pure core both sides run and sees nothing else; the
// agent, the collector and training see only shared/; the demo and the CLI assemble them;
// benchmarks measure anything but are not imported back; tests see anything but the
// benchmarks, except the benchmarks' own tests. An import across a line fails with the line.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/processes.ts';

const LAYERS = ['shared', 'agent', 'collector', 'mae', 'demo', 'cli', 'bench', 'scripts', 'test'];
type Layer = (typeof LAYERS)[number];

/** what each layer may import besides itself and npm packages */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  shared: [],
  agent: ['shared'],
  collector: ['shared'],
  mae: ['shared'],
  demo: ['shared', 'agent', 'collector'],
  cli: ['shared', 'agent', 'collector', 'mae', 'demo', 'bench'],
  bench: ['shared', 'agent', 'collector', 'mae'],
  scripts: ['shared', 'agent', 'collector', 'mae', 'demo', 'bench', 'test'],
  test: ['shared', 'agent', 'collector', 'mae', 'demo', 'cli', 'scripts'],
};

const SOURCE = /\.(ts|mjs|js)$/;
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'node_modules' || e.name === 'dashboard'
        ? []
        : files(join(dir, e.name))
      : SOURCE.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

function layerOf(file: string): Layer | null {
  const top = relative(REPO, file).split('/')[0]!;
  return (LAYERS as readonly string[]).includes(top) ? top : null;
}

/** The benchmarks' own tests may import them: test/bench tests bench/. */
function allowed(from: string, layer: Layer, target: Layer): boolean {
  if (target === layer) return true;
  if (layer === 'test' && target === 'bench') return relative(REPO, from).startsWith('test/bench/');
  return MAY_IMPORT[layer]?.includes(target) ?? false;
}

describe('layers', () => {
  it('no import crosses a layer the wrong way', () => {
    const crossings: string[] = [];
    for (const layer of LAYERS) {
      for (const file of files(join(REPO, layer))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(IMPORT)) {
          const spec = m[1] ?? m[2]!;
          const target = layerOf(resolve(dirname(file), spec));
          if (target === null || allowed(file, layer, target)) continue;
          const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
          crossings.push(`${relative(REPO, file)}:${line}: ${layer} → ${target} (${spec})`);
        }
      }
    }
    expect(crossings).toEqual([]);
  });
});
