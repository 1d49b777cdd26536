// The child of bench/agent-memory-stages.ts (bundled by it with esbuild, so no TypeScript
// loader's memory is counted): loads one model through agent/inference/load.ts on one runtime
// and prints process.memoryUsage() and the RSS high-water mark at each stage as one JSON line.
//
//   node [flags] child.mjs RUNTIME MODEL RUNS THREADS SESSION_JSON WASM_ENV_JSON
import { readFileSync } from 'node:fs';
import { defaultLoaders, loadModel, type RuntimeLoaders } from '../agent/inference/load.ts';
import type { Backend } from '../agent/inference/types.ts';

export const STAGES = ['node', 'import', 'session', 'runs'] as const;
export type Stage = (typeof STAGES)[number];
export interface Reading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  hwm: number;
}

function reading(): Reading {
  const m = process.memoryUsage();
  const hwmKb = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  const mb = (b: number) => b / 2 ** 20;
  return {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
    hwm: hwmKb / 1024,
  };
}

/** The real loaders, with extra session options merged into every session's own. */
function withSessionOptions(extra: object): RuntimeLoaders {
  const wrap =
    (load: RuntimeLoaders['node']): RuntimeLoaders['node'] =>
    async (o) => {
      const ort = await load(o);
      return {
        Tensor: ort.Tensor,
        InferenceSession: {
          create: (model, options) => ort.InferenceSession.create(model, { ...options, ...extra }),
        },
      };
    };
  return { node: wrap(defaultLoaders.node), wasm: wrap(defaultLoaders.wasm) };
}

async function main(argv: string[]): Promise<void> {
  const [runtime, model, runsArg, threadsArg, sessionJson, wasmEnvJson] = argv;
  if (runtime !== 'node' && runtime !== 'wasm') throw new Error(`runtime: ${runtime}`);
  const out: Partial<Record<Stage, Reading>> = { node: reading() };
  const ort = await import(runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web');
  if (runtime === 'wasm') Object.assign(ort.env.wasm, JSON.parse(wasmEnvJson!) as object);
  out.import = reading();
  const loaders = withSessionOptions(JSON.parse(sessionJson!) as object);
  const threads = Number(threadsArg);
  const s = await loadModel(model!, { runtime: runtime as Backend, threads }, loaders);
  out.session = reading();
  const n = 16;
  const x = Float32Array.from({ length: n * s.model.window * s.model.channels.length }, Math.sin);
  const mask = new Float32Array(x.length);
  for (let i = 0; i < Number(runsArg); i++) await s.run(x, mask, n);
  out.runs = reading();
  await s.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.env.REDBAND_MEMORY_STAGES_CHILD === '1') await main(process.argv.slice(2));
