// Where a runtime's memory goes inside the process: process.memoryUsage() (rss, heapUsed,
// external, arrayBuffers) and the RSS high-water mark at each stage of loading a model through
// agent/inference/load.ts (Node alone, the runtime's module imported, the session created —
// onnxruntime-web compiles its WebAssembly here — and after a few hundred runs), for each
// runtime with and without the systemd unit's settings, and for the unit's settings with one
// more knob turned: onnxruntime-web's env.wasm (numThreads, simd, proxy), session options
// (graphOptimizationLevel, enableCpuMemArena, enableMemPattern, executionMode) and node's heap
// flags. Each variant is a child process of its own (no runtime counted in another's), all at
// the same time; the child is bundled with esbuild first, so no TypeScript loader is counted.
//
//   node --import tsx bench/agent-memory-stages.ts [--model FILE] [--runs N]
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { Backend } from '../agent/inference/types.ts';
import { readUnit, ROOT } from './agent-memory.ts';
import { STAGES, type Reading, type Stage } from './agent-memory-stages-child.ts';

interface Variant {
  runtime: Backend;
  label: string;
  nodeFlags: string[];
  env: Record<string, string>;
  threads?: number;
  session?: object;
  wasmEnv?: object;
}

/** The variants: each runtime bare and under the unit, then the unit plus one knob each. */
function variants(unit: { nodeFlags: string[]; env: Record<string, string> }): Variant[] {
  const bare = { nodeFlags: [], env: {} };
  const u = { nodeFlags: unit.nodeFlags, env: unit.env };
  const plus = (label: string, more: Partial<Variant>): Variant => ({
    runtime: 'wasm',
    label: `unit + ${label}`,
    ...u,
    ...more,
  });
  return [
    { runtime: 'node', label: 'no settings', ...bare },
    { runtime: 'node', label: "unit's settings", ...u },
    { runtime: 'wasm', label: 'no settings', ...bare },
    { runtime: 'wasm', label: "unit's settings", ...u },
    plus('numThreads 2', { threads: 2 }),
    plus('simd false', { wasmEnv: { simd: false } }),
    plus('proxy true', { wasmEnv: { proxy: true } }),
    plus('graphOptimizationLevel disabled', { session: { graphOptimizationLevel: 'disabled' } }),
    plus('CpuMemArena + MemPattern', {
      session: { enableCpuMemArena: true, enableMemPattern: true },
    }),
    plus('executionMode parallel', { session: { executionMode: 'parallel' } }),
    plus('--max-semi-space-size=1', { nodeFlags: [...u.nodeFlags, '--max-semi-space-size=1'] }),
    plus('--max-old-space-size=32', { nodeFlags: [...u.nodeFlags, '--max-old-space-size=32'] }),
  ];
}

/** The child, bundled beside node_modules so it resolves the runtimes as the agent does. */
async function bundleChild(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'redband-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'memory-stages-child.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'agent-memory-stages-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['onnxruntime-node', 'onnxruntime-web'],
    banner: {
      // load.ts and CommonJS dependencies call require(); an ESM file has none of its own
      js: "import { createRequire as __benchRequire } from 'node:module';\nconst require = __benchRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

type Result = { ok: true; stages: Record<Stage, Reading> } | { ok: false; why: string };

function runChild(child: string, v: Variant, model: string, runs: number): Promise<Result> {
  const args = [...v.nodeFlags, child, v.runtime, model, String(runs), String(v.threads ?? 1)];
  args.push(JSON.stringify(v.session ?? {}), JSON.stringify(v.wasmEnv ?? {}));
  const env = { ...process.env, ...v.env, REDBAND_MEMORY_STAGES_CHILD: '1' };
  const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    p.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) {
        resolve({ ok: true, stages: JSON.parse(last) as Record<Stage, Reading> });
      } else {
        const why =
          stderr
            .trim()
            .split('\n')
            .find((l) => /Error/.test(l)) ?? `exit ${code}`;
        resolve({ ok: false, why: why.slice(0, 120) });
      }
    }),
  );
}

function format(vs: Variant[], results: Result[]): string {
  const f = (x: number, w = 8) => x.toFixed(1).padStart(w);
  const head = ['stage'.padEnd(9), 'rss', 'Δrss', 'heapUsed', 'external', 'arrayBuf', 'peak'];
  const lines = [
    `  ${'variant'.padEnd(44)}${head[0]}${head
      .slice(1)
      .map((h) => h.padStart(h.length > 6 ? 10 : 8))
      .join('')}`,
  ];
  vs.forEach((v, i) => {
    const r = results[i]!;
    const name = `${v.runtime} ${v.label}`.padEnd(44);
    if (!r.ok) return void lines.push(`  ${name}failed: ${r.why}`);
    for (const stage of STAGES) {
      const x = r.stages[stage];
      lines.push(
        `  ${(stage === 'node' ? name : '').padEnd(44)}${stage.padEnd(9)}${f(x.rss)}${f(x.rss - r.stages.node.rss)}${f(x.heapUsed, 10)}${f(x.external, 10)}${f(x.arrayBuffers, 10)}${f(x.hwm)}`,
      );
    }
  });
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: join(ROOT, 'models', 'sim-vibration.onnx') },
      runs: { type: 'string', default: '300' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  }
  const unit = readUnit();
  const vs = variants(unit);
  const child = await bundleChild();
  const results = await Promise.all(vs.map((v) => runChild(child, v, values.model, runs)));
  const env = Object.entries(unit.env).map(([k, v]) => `${k}=${v}`);
  const title = `memory by stage (MB; ${values.model}, ${runs} runs of 16 windows; unit: node ${unit.nodeFlags.join(' ')}, ${env.join(' ')}; all variants at once)`;
  process.stdout.write(`${title}\n${format(vs, results)}\n`);
}

await main();
