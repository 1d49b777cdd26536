// Where a runtime's memory goes inside the process: process.memoryUsage() (rss, heapUsed,
// external, arrayBuffers) and the RSS high-water mark at each stage of loading a model through
// agent/inference/load.ts: Node alone, the runtime's module imported, the session created
// (onnxruntime-web compiles its WebAssembly here), after a few hundred runs. Each variant
// (runtime × node flags × environment) runs in a child process of its own, all at the same
// time, so no runtime's memory is counted in another's. The children run through tsx, whose
// loader costs the same in every variant: compare stages and variants, not absolute figures
// with an agent's (bench:agent and agent-memory-variants.ts run the bundle).
//
//   node --import tsx bench/agent-memory-stages.ts [--model FILE] [--runs N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModel } from '../agent/inference/load.ts';
import type { Backend } from '../agent/inference/types.ts';
import { readUnit, ROOT } from './agent-memory.ts';

const STAGES = ['node', 'import', 'session', 'runs'] as const;
type Stage = (typeof STAGES)[number];
interface Reading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  hwm: number;
}

function reading(): Reading {
  const m = process.memoryUsage();
  const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  const mb = (b: number) => b / 2 ** 20;
  return {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
    hwm: hwm / 1024,
  };
}

/** The child: one runtime, one model, a reading per stage, printed as one JSON line. */
async function child(runtime: Backend, model: string, runs: number): Promise<void> {
  const out: Partial<Record<Stage, Reading>> = { node: reading() };
  await import(runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web');
  out.import = reading();
  const s = await loadModel(model, { runtime });
  out.session = reading();
  const n = 16;
  const x = Float32Array.from({ length: n * s.model.window * s.model.channels.length }, Math.sin);
  const mask = new Float32Array(x.length);
  for (let i = 0; i < runs; i++) await s.run(x, mask, n);
  out.runs = reading();
  await s.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

interface Variant {
  runtime: Backend;
  label: string;
  nodeFlags: string[];
  env: Record<string, string>;
}

function runChild(v: Variant, model: string, runs: number): Promise<Record<Stage, Reading>> {
  const args = [...v.nodeFlags, '--import', 'tsx', import.meta.filename, '--child', v.runtime];
  args.push('--model', model, '--runs', String(runs));
  const p = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...v.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve, reject) =>
    p.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<Stage, Reading>)
        : reject(new Error(`${v.runtime} ${v.label}: the child exited with ${code}`)),
    ),
  );
}

function format(variants: Variant[], results: Array<Record<Stage, Reading>>): string {
  const f = (x: number) => x.toFixed(1).padStart(8);
  const lines = [
    `  ${'variant'.padEnd(34)}${'stage'.padEnd(9)}${'rss'.padStart(8)}${'Δrss'.padStart(8)}${'heapUsed'.padStart(10)}${'external'.padStart(10)}${'arrayBuf'.padStart(10)}${'peak'.padStart(8)}`,
  ];
  variants.forEach((v, i) => {
    const r = results[i]!;
    for (const stage of STAGES) {
      const x = r[stage];
      const label = stage === 'node' ? `${v.runtime} ${v.label}` : '';
      lines.push(
        `  ${label.padEnd(34)}${stage.padEnd(9)}${f(x.rss)}${f(x.rss - r.node.rss)}${f(x.heapUsed).padStart(10)}${f(x.external).padStart(10)}${f(x.arrayBuffers).padStart(10)}${f(x.hwm)}`,
      );
    }
  });
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      model: { type: 'string', default: join(ROOT, 'models', 'sim-vibration.onnx') },
      runs: { type: 'string', default: '300' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs: a positive integer, got ${values.runs}`);
  if (values.child === 'node' || values.child === 'wasm') {
    return child(values.child, values.model, runs);
  }
  const unit = readUnit();
  const none = { nodeFlags: [], env: {} };
  const variants: Variant[] = [
    { runtime: 'node', label: 'no settings', ...none },
    { runtime: 'node', label: "unit's settings", ...unit },
    { runtime: 'wasm', label: 'no settings', ...none },
    { runtime: 'wasm', label: "unit's settings", ...unit },
  ];
  const results = await Promise.all(variants.map((v) => runChild(v, values.model, runs)));
  const title = `memory by stage (MB; ${values.model}, ${runs} runs of 16 windows; unit: node ${unit.nodeFlags.join(' ')}, ${Object.entries(
    unit.env,
  )
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')})`;
  process.stdout.write(`${title}\n${format(variants, results)}\n`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
