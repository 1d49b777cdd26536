// Agent benchmark, in one run:
//  1. throughput: the whole agent fed pre-parsed samples from memory (looped → window → … →
//     validated JSON messages) in windows/s over a few seconds of steady state, against raw
//     inference alone (session.run) on batches of exactly the sizes the agent ran, in the same
//     order; target: the pipeline keeps ≥ 80 % of raw inference. The CSV source's own rate
//     (read + parse) is reported separately: it bounds a pipeline fed from the file;
//  2. footprint: the bundled agent (dist/redband-agent.mjs) replaying SKAB at 10× recorded
//     speed for a bounded time in a child process: peak RSS, RSS growth after warm-up, and
//     CPU share, read from /proc; targets: ≤ 110 MB, no growth.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createAgent } from '../agent/agent.ts';
import { loadAgentConfig } from '../agent/config/load.ts';
import { loadModel } from '../agent/inference/load.ts';
import type { InferenceSession } from '../agent/inference/types.ts';
import { createSource } from '../agent/sources/registry.ts';
import type { Sample, Source } from '../agent/sources/types.ts';
import { DEFAULT_AGENT_BENCH, type AgentBenchOptions } from './defaults.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, 'firmware-configs', 'skab-pump.yaml');
const BUNDLE = join(ROOT, 'dist', 'redband-agent.mjs');

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
    ratio: number;
    target: number;
  };
  footprint: {
    speed: number;
    seconds: number;
    rssPeakMb: number;
    rssAfterWarmupMb: number;
    rssEndMb: number;
    growthMb: number;
    cpuShare: number;
    targetRssMb: number;
  };
}

/**
 * A session that records the size of every run, and one input per size (inference time does
 * not depend on the values), and whose close() leaves the real session open for the replay.
 */
function recording(
  session: InferenceSession,
  sizes: number[],
  inputs: Map<number, { x: Float32Array; mask: Float32Array }>,
  spent: { ms: number },
): InferenceSession {
  return {
    model: session.model,
    backend: session.backend,
    fallbackReason: session.fallbackReason,
    run(x, mask, n) {
      sizes.push(n);
      // copies: the pipeline reuses its input buffers from batch to batch
      if (!inputs.has(n)) inputs.set(n, { x: x.slice(), mask: mask.slice() });
      // onnxruntime-node runs the model synchronously in a setImmediate callback and resolves
      // from it; immediates run in order, with microtasks in between. So a clock read in an
      // immediate queued just before run() and one in run()'s continuation bracket the runtime's
      // own work, excluding the pipeline stages that run while the call is pending.
      let t0 = Number.NaN;
      setImmediate(() => (t0 = performance.now()));
      const out = session.run(x, mask, n);
      void out.then(() => (spent.ms += performance.now() - t0)).catch(() => {});
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

/**
 * A pullable source over pre-parsed samples, looped without end (data time keeps increasing),
 * in chunks as the csv source hands them out: the pipeline's cost without the CSV parser's.
 */
function memorySource(channels: readonly string[], samples: readonly Sample[]): Source {
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

  const sizes: number[] = [];
  const spent = { ms: 0 };
  const inputs = new Map<number, { x: Float32Array; mask: Float32Array }>();
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  // Fed from memory, looped: a steady state long enough that JIT warm-up does not dominate,
  // and the same work as the agent on a device minus the parser.
  const agent = await createAgent(loaded, {
    log: pino({ level: 'silent' }),
    stdout: discard,
    session: recording(session, sizes, inputs, spent),
    source: memorySource(csv.channels, parsed.samples),
  });
  const t0 = performance.now();
  await agent.start();
  setTimeout(() => void agent.stop(), seconds * 1000);
  await agent.finished;
  const pipelineS = (performance.now() - t0) / 1000;
  // Each run holds n/2 windows (an unmasked and a masked copy of each).
  const windows = sizes.reduce((s, n) => s + n / 2, 0);

  // Raw inference alone on the same batches, in the same order, inputs recorded from the run.
  const t1 = performance.now();
  for (const n of sizes) {
    const input = inputs.get(n)!;
    await session.run(input.x, input.mask, n);
  }
  const inferenceS = (performance.now() - t1) / 1000;
  await session.close();

  const pipelineWindowsPerS = windows / pipelineS;
  const inferenceWindowsPerS = windows / inferenceS;
  return {
    windows,
    batches: sizes.length,
    pipelineWindowsPerS,
    inferenceWindowsPerS,
    inferenceShareOfPipeline: spent.ms / 1000 / pipelineS,
    sourceWindowsPerS,
    ratio: pipelineWindowsPerS / inferenceWindowsPerS,
    target: 0.8,
  };
}

/** VmRSS / VmHWM (kB) and utime + stime (clock ticks) of a live process, from /proc. */
function procSample(pid: number): { rssKb: number; hwmKb: number; cpuTicks: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // fields after the command name "(…)": utime and stime are the 12th and 13th of them
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      rssKb: kb('VmRSS'),
      hwmKb: kb('VmHWM'),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null; // the process has exited
  }
}

/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream arch). */
const CLOCK_TICKS_PER_S = 100;

async function footprint(o: AgentBenchOptions): Promise<AgentBenchReport['footprint']> {
  // Always the current code: the build takes about a second.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs')], {
    stdio: 'ignore',
  });
  if (build.status !== 0) throw new Error('npm run build:agent failed');
  const child = spawn(
    process.execPath,
    [
      BUNDLE,
      '--config',
      CONFIG,
      '--speed',
      String(o.speed),
      '--publish',
      'stdout',
      '--duration',
      String(o.seconds),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const samples: Array<{ t: number; rssKb: number; hwmKb: number; cpuTicks: number }> = [];
  const start = performance.now();
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    const s = procSample(child.pid!);
    if (s) samples.push({ t: (performance.now() - start) / 1000, ...s });
    await new Promise((r) => setTimeout(r, 250));
  }
  const code = await exited;
  if (code !== 0 || samples.length < 4) throw new Error(`the footprint run failed (exit ${code})`);
  const last = samples.at(-1)!;
  // Warm-up here is the first third of the run: model load, allocator and JIT settling.
  const afterWarmup = samples.find((s) => s.t >= o.seconds / 3) ?? samples[0]!;
  const laterPeakKb = Math.max(...samples.filter((s) => s.t >= afterWarmup.t).map((s) => s.rssKb));
  const mb = (kb: number) => kb / 1024;
  return {
    speed: o.speed,
    seconds: o.seconds,
    // the high-water mark of every sample: the last one may be read as the child exits
    rssPeakMb: mb(Math.max(...samples.map((s) => s.hwmKb))),
    rssAfterWarmupMb: mb(afterWarmup.rssKb),
    rssEndMb: mb(last.rssKb),
    growthMb: mb(laterPeakKb - afterWarmup.rssKb),
    cpuShare: last.cpuTicks / CLOCK_TICKS_PER_S / last.t,
    targetRssMb: 110,
  };
}

export async function runAgentBench(
  o: AgentBenchOptions = DEFAULT_AGENT_BENCH,
): Promise<AgentBenchReport> {
  return { throughput: await throughput(o.throughputSeconds), footprint: await footprint(o) };
}

export function formatAgentReport(r: AgentBenchReport): string {
  const t = r.throughput;
  const f = r.footprint;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `agent throughput (skab-pump, SKAB anomaly-free pre-parsed, looped from memory at max speed: ${t.windows} windows in ${t.batches} batches)`,
    `  whole pipeline   ${t.pipelineWindowsPerS.toFixed(0)} windows/s (memory → window → … → validated JSON messages)`,
    `  inference alone  ${t.inferenceWindowsPerS.toFixed(0)} windows/s (session.run on the same batches, replayed)`,
    `  in-run share     ${pct(t.inferenceShareOfPipeline)} of the pipeline's wall time was the runtime's own work (measured inside the run)`,
    `  CSV source alone ${t.sourceWindowsPerS.toFixed(0)} windows/s (read and parse only: the ceiling of a pipeline fed from the file)`,
    `  ratio            ${pct(t.ratio)} (target ≥ ${pct(t.target)}) ${t.ratio >= t.target ? 'ok' : 'BELOW TARGET'}`,
    `agent footprint (bundle, skab-pump at ${f.speed}× recorded speed for ${f.seconds} s)`,
    `  peak RSS         ${f.rssPeakMb.toFixed(1)} MB (target ≤ ${f.targetRssMb} MB) ${f.rssPeakMb <= f.targetRssMb ? 'ok' : 'ABOVE TARGET'}`,
    `  RSS after warm-up ${f.rssAfterWarmupMb.toFixed(1)} MB, at end ${f.rssEndMb.toFixed(1)} MB, growth after warm-up ${f.growthMb.toFixed(1)} MB`,
    `  CPU share        ${pct(f.cpuShare)} of one core`,
  ].join('\n');
}
