// `redband bench perf`: the agent, sketch and collector benchmarks in one run, reduced to the
// ratios each issue targets, so two releases can be compared on the same machine.
import { availableParallelism, cpus } from 'node:os';
import { runAgentBench, type AgentBenchReport } from './agent.ts';
import { DEFAULT_AGENT_BENCH } from './defaults.ts';
import { runCollectorBench, TARGETS, type CollectorBenchReport } from './collector.ts';
import { runSketchBench, type SketchBenchReport } from './sketch.ts';

export interface PerfRow {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
}

export interface PerfReport {
  cores: number;
  cpu: string;
  node: string;
  rows: PerfRow[];
  sketch: SketchBenchReport;
  agent: AgentBenchReport;
  collector: CollectorBenchReport;
}

export interface PerfOptions {
  /** seconds of the agent's 10× footprint run */
  agentSeconds: number;
  /** seconds per collector phase */
  collectorSeconds: number;
  progress: (line: string) => void;
}

export async function runPerfBench(o: PerfOptions): Promise<PerfReport> {
  o.progress('sketch: covariance updates and measures…');
  const sketch = await runSketchBench();
  o.progress('agent: pipeline vs inference, footprint at 10×…');
  const agent = await runAgentBench({ ...DEFAULT_AGENT_BENCH, seconds: o.agentSeconds });
  o.progress('collector: broker ceiling, ingest, publish→alert latency…');
  const collector = await runCollectorBench({
    durationMs: o.collectorSeconds * 1000,
    devices: 1000,
    rate: TARGETS.rate,
    brokers: ['aedes', 'mosquitto'],
  });

  const rows: PerfRow[] = [
    {
      bench: 'sketch',
      figure: 'batched / naive update, k = 64',
      value: sketch.targets.batchedSpeedupAtK64,
      unit: '×',
      target: '≥ 20×',
      pass: sketch.targets.batchedSpeedupAtK64 >= 20,
    },
    {
      bench: 'sketch',
      figure: 'all measures, k = 64',
      value: sketch.targets.measuresMsAtK64 ?? Number.NaN,
      unit: 'ms',
      target: '< 2 ms',
      pass: (sketch.targets.measuresMsAtK64 ?? Infinity) < 2,
    },
    {
      bench: 'agent',
      figure: 'pipeline / raw inference',
      value: agent.throughput.ratio,
      unit: '',
      target: `≥ ${agent.throughput.target}`,
      pass: agent.throughput.ratio >= agent.throughput.target,
    },
    {
      bench: 'agent',
      figure: `peak RSS at ${agent.footprint.speed}× SKAB`,
      value: agent.footprint.rssPeakMb,
      unit: 'MB',
      target: `≤ ${agent.footprint.targetRssMb} MB`,
      pass: agent.footprint.rssPeakMb <= agent.footprint.targetRssMb,
    },
    {
      bench: 'agent',
      figure: `peak RSS at ${agent.footprint.speed}× SKAB, WebAssembly, under the unit`,
      value: agent.wasmFootprint.rssPeakMb,
      unit: 'MB',
      target: `< ${agent.unit.memoryMaxMb} MB (MemoryMax)`,
      pass: agent.wasmFootprint.rssPeakMb < agent.unit.memoryMaxMb,
    },
    {
      bench: 'agent',
      figure: 'RSS growth after warm-up',
      value: agent.footprint.growthMb,
      unit: 'MB',
      target: 'none (≤ 5 MB)',
      pass: agent.footprint.growthMb <= 5,
    },
  ];
  for (const r of collector.results) {
    rows.push(
      {
        bench: `collector/${r.broker}`,
        figure: 'ingest / broker ceiling',
        value: r.ingest_ratio,
        unit: '',
        target: `≥ ${TARGETS.ingest_ratio_min}`,
        pass: r.pass.ingest,
      },
      {
        bench: `collector/${r.broker}`,
        figure: `publish→alert p99 at ${Math.round(r.latency.rate_achieved)} msg/s`,
        value: r.latency.p99_ms,
        unit: 'ms',
        target: `≤ ${TARGETS.p99_ms_max} ms`,
        pass: r.pass.latency,
      },
    );
  }
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    rows,
    sketch,
    agent,
    collector,
  };
}

export function formatPerfReport(r: PerfReport): string {
  const lines = [`redband bench perf — ${r.cores} cores (${r.cpu}), Node ${r.node}`, ''];
  const w = Math.max(...r.rows.map((x) => x.figure.length));
  for (const row of r.rows) {
    const v = Number.isFinite(row.value) ? row.value.toPrecision(3) : 'n/a';
    lines.push(
      `${row.bench.padEnd(20)} ${row.figure.padEnd(w)}  ${`${v}${row.unit ? ` ${row.unit}` : ''}`.padStart(10)}  target ${row.target.padEnd(14)} ${row.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  if (r.collector.skipped.length) lines.push('', `skipped: ${r.collector.skipped.join('; ')}`);
  return lines.join('\n');
}
