// `redband bench <name>`: a thin registry of benchmarks. Each entry builds one
// subcommand; the measuring code lives in bench/ and loads when its benchmark runs.
import { Command } from 'commander';
import { DEFAULT_AGENT_BENCH } from '../bench/defaults.ts';
import { positiveInt, positiveNumber } from '../shared/cli-args.ts';
import { skabBenchCommand } from '../bench/skab/command.ts';
import { tepBenchCommand } from '../bench/tep/command.ts';

function sketchBenchCommand(): Command {
  return new Command('sketch')
    .description('Covariance-update throughput (naive vs batched kernels) and measure timings')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { formatSketchReport, runSketchBench } = await import('../bench/sketch.ts');
      const report = await runSketchBench();
      process.stdout.write(`${opts.json ? JSON.stringify(report) : formatSketchReport(report)}\n`);
    });
}

function collectorBenchCommand(): Command {
  return new Command('collector')
    .description(
      'Broker delivery ceiling, collector ingest rate, publish→alert p99 (Aedes; mosquitto if installed)',
    )
    .option('--json', 'print one JSON object')
    .option('--duration <s>', 'seconds per phase', positiveNumber('--duration'), 5)
    .option('--devices <n>', 'simulated devices', positiveInt('--devices'), 1000)
    .option('--rate <n>', 'msg/s for the latency phase', positiveNumber('--rate'), 10_000)
    .option('--broker <name...>', 'aedes and/or mosquitto', ['aedes', 'mosquitto'])
    .action(
      async (o: {
        json?: boolean;
        duration: number;
        devices: number;
        rate: number;
        broker: string[];
      }) => {
        const { formatCollectorReport, runCollectorBench } = await import('../bench/collector.ts');
        const report = await runCollectorBench({
          durationMs: o.duration * 1000,
          devices: o.devices,
          rate: o.rate,
          brokers: o.broker.filter(
            (b): b is 'aedes' | 'mosquitto' => b === 'aedes' || b === 'mosquitto',
          ),
        });
        process.stdout.write(
          `${o.json ? JSON.stringify(report) : formatCollectorReport(report)}\n`,
        );
      },
    );
}

function agentBenchCommand(): Command {
  return new Command('agent')
    .description('Agent throughput (whole pipeline vs inference alone) and footprint at 10× speed')
    .option('--json', 'print one JSON object')
    .option(
      '--seconds <s>',
      'length of the footprint run',
      positiveNumber('--seconds'),
      DEFAULT_AGENT_BENCH.seconds,
    )
    .action(async (o: { json?: boolean; seconds: number }) => {
      const { formatAgentReport, runAgentBench } = await import('../bench/agent.ts');
      const report = await runAgentBench({ ...DEFAULT_AGENT_BENCH, seconds: o.seconds });
      process.stdout.write(`${o.json ? JSON.stringify(report) : formatAgentReport(report)}\n`);
    });
}

function perfBenchCommand(): Command {
  return new Command('perf')
    .description('The sketch, agent and collector benchmarks in one run: one table of ratios')
    .option('--json', 'print one JSON object')
    .option(
      '--agent-seconds <s>',
      'length of the agent footprint run',
      positiveNumber('--agent-seconds'),
      30,
    )
    .option(
      '--collector-seconds <s>',
      'seconds per collector phase',
      positiveNumber('--collector-seconds'),
      3,
    )
    .action(async (o: { json?: boolean; agentSeconds: number; collectorSeconds: number }) => {
      const { formatPerfReport, runPerfBench } = await import('../bench/perf.ts');
      const report = await runPerfBench({
        agentSeconds: o.agentSeconds,
        collectorSeconds: o.collectorSeconds,
        progress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${o.json ? JSON.stringify(report) : formatPerfReport(report)}\n`);
    });
}

/** Benchmarks, one subcommand each; add new ones here. */
const benchSubcommands: Array<() => Command> = [
  sketchBenchCommand,
  skabBenchCommand,
  tepBenchCommand,
  collectorBenchCommand,
  agentBenchCommand,
  perfBenchCommand,
];

export function benchCommand(): Command {
  const bench = new Command('bench').description('Run a benchmark');
  for (const make of benchSubcommands) bench.addCommand(make());
  return bench;
}
