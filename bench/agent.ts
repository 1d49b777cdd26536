// Agent benchmark, in one run:
//  1. throughput: the whole agent fed pre-parsed samples from memory (looped → window → … →
//     validated JSON messages) in windows/s, against raw inference alone (session.run) on
//     batches of exactly the sizes the agent ran, in the same order; target: the pipeline keeps
//     ≥ 80 % of raw inference. The two alternate in slices of about a second (the source is
//     paused while inference replays the slice's batches), so each ratio compares runs a second
//     apart: on a shared machine the speed of one phase alone varies 2–3× over a few seconds,
//     and phases run one after the other gave ratios anywhere from 0.18 to 0.49 for the same
//     code. The CSV source's own rate (read + parse) is reported separately: it bounds a
//     pipeline fed from the file;
//  2. footprint: the bundled agent (dist/redband-agent.mjs) replaying SKAB at 10× recorded
//     speed for a bounded time, on onnxruntime-node and on onnxruntime-web's WebAssembly build
//     at the same time (two child processes started with the systemd unit's node flags and
//     environment): peak RSS, RSS growth after warm-up, CPU per window and CPU share, read from
//     /proc, with the WebAssembly / node ratios; targets: both under the unit's MemoryMax,
//     onnxruntime-node ≤ 110 MB, no growth.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createAgent } from '../agent/agent.ts';
import { loadAgentConfig } from '../agent/config/load.ts';
import { loadModel } from '../agent/inference/load.ts';
import type { Backend, InferenceSession } from '../agent/inference/types.ts';
import { createSource } from '../agent/sources/registry.ts';
import type { Sample, Source } from '../agent/sources/types.ts';
import {
  configOnRuntime,
  readUnit,
  ROOT,
  sampleAgent,
  type Footprint,
  type UnitSettings,
} from './agent-memory.ts';
import { DEFAULT_AGENT_BENCH, type AgentBenchOptions } from './defaults.ts';

const CONFIG = join(ROOT, 'firmware-configs', 'skab-pump.yaml');
/** onnxruntime-node's peak RSS target (an earlier issue's); the unit's MemoryMax binds both */
const NODE_TARGET_RSS_MB = 110;

export interface AgentBenchReport {
  throughput: {
    windows: number;
    batches: number;
    pipelineWindowsPerS: number;
    inferenceWindowsPerS: number;
    /**
     * Share of the pipeline's wall time the runtime itself ran, measured inside the pipeline
     * run: the same ratio without comparing two phases run seconds apart (on a shared machine
     * the replay's speed alone varies 2–3× from one second to the next)
     */
    inferenceShareOfPipeline: number;
    /** reading and parsing the replay alone (the source's pull), in windows' worth of rows */
    sourceWindowsPerS: number;
    /** median over the slices of (pipeline windows/s) / (raw inference windows/s) */
    ratio: number;
    /** the slices' ratios, lowest and highest */
    ratioRange: [number, number];
    slices: number;
    target: number;
  };
  /** onnxruntime-node (skab-pump's own runtime), started as the unit starts it */
  footprint: Footprint & { speed: number; targetRssMb: number };
  /** onnxruntime-web's WebAssembly build on the same config, run at the same time */
  wasmFootprint: Footprint;
  /** WebAssembly's figures over onnxruntime-node's, from the same run */
  wasmToNode: { rssPeak: number; cpuMsPerWindow: number };
  /** what the systemd unit sets: its MemoryMax is the limit both runs are held against */
  unit: UnitSettings;
}

/**
 * A session that records the size of every run, and one input per size (inference time does
 * not depend on the values), and whose close() leaves the real session open for the replay.
 */
function recording(
  session: InferenceSession,
  runs: { n: number; doneAt: number }[],
  inputs: Map<number, { x: Float32Array; mask: Float32Array }>,
  spent: { ms: number },
): InferenceSession {
  return {
    model: session.model,
    backend: session.backend,
    fallbackReason: session.fallbackReason,
    run(x, mask, n) {
      // copies: the pipeline reuses its input buffers from batch to batch
      if (!inputs.has(n)) inputs.set(n, { x: x.slice(), mask: mask.slice() });
      // onnxruntime-node runs the model synchronously in a setImmediate callback and resolves
      // from it; immediates run in order, with microtasks in between. So a clock read in an
      // immediate queued just before run() and one in run()'s continuation bracket the runtime's
      // own work, excluding the pipeline stages that run while the call is pending.
      let t0 = Number.NaN;
      setImmediate(() => (t0 = performance.now()));
      const out = session.run(x, mask, n);
      void out
        .then(() => {
          const now = performance.now();
          spent.ms += now - t0;
          runs.push({ n, doneAt: now });
        })
        .catch(() => {});
      return out;
    },
    close: async () => {},
  };
}

/** Every sample of the configured (finite) replay, read once through its real source. */
async function preParse(source: Source): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const t0 = performance.now();
  const it = source.pull!();
  for (let r = await it.next(); !r.done; r = await it.next()) samples.push(...r.value);
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

/** Holds a source's pulls while closed: the bench pauses the pipeline to replay inference. */
class Gate {
  private isOpen = false;
  private waiting: (() => void)[] = [];

  set(open: boolean): void {
    this.isOpen = open;
    if (open) for (const resume of this.waiting.splice(0)) resume();
  }

  wait(): Promise<void> {
    return this.isOpen ? Promise.resolve() : new Promise((r) => this.waiting.push(r));
  }
}

/**
 * A pullable source over pre-parsed samples, looped without end (data time keeps increasing),
 * in chunks as the csv source hands them out: the pipeline's cost without the CSV parser's.
 */
function memorySource(channels: readonly string[], samples: readonly Sample[], gate: Gate): Source {
  const span = samples.at(-1)!.t - samples[0]!.t + (samples[1]!.t - samples[0]!.t);
  const CHUNK = 256;
  return {
    kind: 'memory',
    channels,
    samples: () => {
      throw new Error('memory source: pull only');
    },
    labels: () => [],
    pull() {
      let i = 0;
      let offset = 0;
      return {
        next: async () => {
          await gate.wait();
          const chunk: Sample[] = [];
          for (let j = 0; j < CHUNK; j++) {
            const s = samples[i]!;
            chunk.push({ t: s.t + offset, values: s.values });
            if (++i === samples.length) {
              i = 0;
              offset += span;
            }
          }
          return { done: false, value: chunk };
        },
        return: async () => ({ done: true, value: undefined }),
      };
    },
  };
}

export async function throughput(seconds: number): Promise<AgentBenchReport['throughput']> {
  const loaded = loadAgentConfig(CONFIG, { speed: 'max', publish: 'stdout' });
  const { config } = loaded;
  const session = await loadModel(config.model.path, {
    runtime: config.model.runtime,
    threads: config.model.threads,
  });
  // The CSV source alone (read + parse): the ceiling of a pipeline fed from the file.
  const csv = createSource({ ...config.source, loop: false } as typeof config.source);
  const parsed = await preParse(csv);
  const sourceWindowsPerS = parsed.samples.length / config.pipeline.hop / parsed.seconds;

  const runs: { n: number; doneAt: number }[] = [];
  const spent = { ms: 0 };
  const inputs = new Map<number, { x: Float32Array; mask: Float32Array }>();
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const gate = new Gate();
  // Fed from memory, looped: the same work as the agent on a device minus the parser.
  const agent = await createAgent(loaded, {
    log: pino({ level: 'silent' }),
    stdout: discard,
    session: recording(session, runs, inputs, spent),
    source: memorySource(csv.channels, parsed.samples, gate),
  });
  await agent.start();

  // One warm-up slice (JIT, the agent's own warm-up phase), then `seconds` measured ones.
  const SLICE_MS = 1000;
  const slices = Math.max(3, Math.round(seconds));
  const ratios: number[] = [];
  let windows = 0;
  let batches = 0;
  let pipelineS = 0;
  let inferenceS = 0;
  let spentMs = 0;
  for (let i = 0; i <= slices; i++) {
    const from = runs.length;
    const spent0 = spent.ms;
    const t0 = performance.now();
    gate.set(true);
    await sleep(SLICE_MS);
    gate.set(false);
    // the windows already pulled drain through inference; done when no run ends for 50 ms
    for (let seen = -1; seen !== runs.length;) {
      seen = runs.length;
      await sleep(50);
    }
    const slice = runs.slice(from);
    if (slice.length === 0) throw new Error('the pipeline ran no inference in a slice');
    const sliceS = (slice.at(-1)!.doneAt - t0) / 1000;
    // Raw inference alone on the same batches, in the same order, inputs recorded from the run.
    const t1 = performance.now();
    for (const { n } of slice) {
      const input = inputs.get(n)!;
      await session.run(input.x, input.mask, n);
    }
    const rawS = (performance.now() - t1) / 1000;
    if (i === 0) continue;
    // Each run holds n/2 windows (an unmasked and a masked copy of each).
    windows += slice.reduce((w, r) => w + r.n / 2, 0);
    batches += slice.length;
    pipelineS += sliceS;
    inferenceS += rawS;
    spentMs += spent.ms - spent0;
    // same windows in both: the ratio of the rates is the ratio of the times
    ratios.push(rawS / sliceS);
  }
  const stopped = agent.stop();
  gate.set(true);
  await stopped;
  await agent.finished;
  await session.close();

  ratios.sort((x, y) => x - y);
  return {
    windows,
    batches,
    pipelineWindowsPerS: windows / pipelineS,
    inferenceWindowsPerS: windows / inferenceS,
    inferenceShareOfPipeline: spentMs / 1000 / pipelineS,
    sourceWindowsPerS,
    ratio: ratios[Math.floor(ratios.length / 2)]!,
    ratioRange: [ratios[0]!, ratios.at(-1)!],
    slices,
    target: 0.8,
  };
}

/**
 * Both runtimes at once, each in its own child process started as the systemd unit starts it
 * (its node flags and environment), on the same config and replay speed: side by side, so a
 * busy moment of a shared machine falls on both.
 */
async function footprints(o: AgentBenchOptions): Promise<Omit<AgentBenchReport, 'throughput'>> {
  // Always the current code: the build takes about a second.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs')], {
    stdio: 'ignore',
  });
  if (build.status !== 0) throw new Error('npm run build:agent failed');
  const unit = readUnit();
  const dir = mkdtempSync(join(tmpdir(), 'redband-bench-agent-'));
  try {
    const run = (runtime: Backend) =>
      sampleAgent({
        args: [
          '--config',
          configOnRuntime(CONFIG, runtime, dir),
          '--speed',
          String(o.speed),
          '--publish',
          'stdout',
        ],
        nodeFlags: unit.nodeFlags,
        env: unit.env,
        seconds: o.seconds,
      });
    const [node, wasm] = await Promise.all([run('node'), run('wasm')]);
    return {
      footprint: { ...node, speed: o.speed, targetRssMb: NODE_TARGET_RSS_MB },
      wasmFootprint: wasm,
      wasmToNode: {
        rssPeak: wasm.rssPeakMb / node.rssPeakMb,
        cpuMsPerWindow: wasm.cpuMsPerWindow / node.cpuMsPerWindow,
      },
      unit,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runAgentBench(
  o: AgentBenchOptions = DEFAULT_AGENT_BENCH,
): Promise<AgentBenchReport> {
  return { throughput: await throughput(o.throughputSeconds), ...(await footprints(o)) };
}

function formatThroughput(t: AgentBenchReport['throughput']): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `agent throughput (skab-pump, SKAB anomaly-free pre-parsed, looped from memory at max speed: ${t.windows} windows in ${t.batches} batches, ${t.slices} slices of pipeline then raw inference, alternating)`,
    `  whole pipeline   ${t.pipelineWindowsPerS.toFixed(0)} windows/s (memory → window → … → validated JSON messages)`,
    `  inference alone  ${t.inferenceWindowsPerS.toFixed(0)} windows/s (session.run on the same batches, replayed)`,
    `  in-run share     ${pct(t.inferenceShareOfPipeline)} of the pipeline's wall time was the runtime's own work (measured inside the run)`,
    `  CSV source alone ${t.sourceWindowsPerS.toFixed(0)} windows/s (read and parse only: the ceiling of a pipeline fed from the file)`,
    `  ratio            ${pct(t.ratio)}, median of the slices (${pct(t.ratioRange[0])}–${pct(t.ratioRange[1])}; target ≥ ${pct(t.target)}) ${t.ratio >= t.target ? 'ok' : 'BELOW TARGET'}`,
  ];
}

/** The two runtimes' footprints as columns, with their ratio, and against the unit's limit. */
function formatFootprints(r: AgentBenchReport): string[] {
  const { footprint: node, wasmFootprint: wasm, unit } = r;
  const env = Object.entries(unit.env).map(([k, v]) => `${k}=${v}`);
  const row = (label: string, n: string, w: string, ratio = '') =>
    `  ${label.padEnd(22)}${n.padStart(18)}${w.padStart(14)}${ratio.padStart(13)}`.trimEnd();
  const x = (ratio: number) => ratio.toFixed(2);
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'n/a');
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const limit = (f: Footprint) =>
    f.rssPeakMb <= unit.memoryMaxMb
      ? `ok, ${(unit.memoryMaxMb - f.rssPeakMb).toFixed(1)} MB to spare`
      : `OVER by ${(f.rssPeakMb - unit.memoryMaxMb).toFixed(1)} MB`;
  return [
    `agent footprint (bundle, skab-pump at ${node.speed}× recorded speed for ${node.seconds} s, both runtimes at once, started as the unit starts them: node ${unit.nodeFlags.join(' ') || '(no flags)'}${env.length ? `, ${env.join(' ')}` : ''})`,
    row('', 'onnxruntime-node', 'WebAssembly', 'wasm / node'),
    row('peak RSS', mb(node.rssPeakMb), mb(wasm.rssPeakMb), x(r.wasmToNode.rssPeak)),
    row('RSS after warm-up', mb(node.rssAfterWarmupMb), mb(wasm.rssAfterWarmupMb)),
    row('RSS at end', mb(node.rssEndMb), mb(wasm.rssEndMb)),
    row('growth after warm-up', mb(node.growthMb), mb(wasm.growthMb)),
    row(
      'CPU per window',
      ms(node.cpuMsPerWindow),
      ms(wasm.cpuMsPerWindow),
      x(r.wasmToNode.cpuMsPerWindow),
    ),
    row('CPU share of a core', pct(node.cpuShare), pct(wasm.cpuShare)),
    `  unit MemoryMax ${unit.memoryMaxMb} MB: onnxruntime-node ${limit(node)}; WebAssembly ${limit(wasm)}`,
    `  onnxruntime-node peak RSS target ≤ ${node.targetRssMb} MB: ${node.rssPeakMb <= node.targetRssMb ? 'ok' : 'ABOVE TARGET'}`,
  ];
}

export function formatAgentReport(r: AgentBenchReport): string {
  return [...formatThroughput(r.throughput), ...formatFootprints(r)].join('\n');
}
