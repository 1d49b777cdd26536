// The `skab` entry of `redband bench`: options → runSkabBench → table or JSON on stdout,
// progress on stderr. The benchmark (the agent, the collector's rule engine) is imported
// when the command runs, not when `redband` builds its command list.
import { Command } from 'commander';

interface SkabCliOptions {
  data: string;
  subsets?: string;
  config?: string;
  model?: string;
  collectorConfig?: string;
  json?: boolean;
}

export function skabBenchCommand(): Command {
  return new Command('skab')
    .description(
      "SKAB protocol (fit on each file's first 400 rows, score the rest) through the real agent and the collector's default rules",
    )
    .requiredOption(
      '--data <dir>',
      'a SKAB-like folder: subfolders of ;-separated CSVs (files with an anomaly column are scored)',
    )
    .option('--subsets <names>', 'comma-separated subfolders to score (default: all with labels)')
    .option(
      '--config <file>',
      'the agent device config (default: the shipped firmware-configs/skab-pump.yaml)',
    )
    .option('--model <file>', "a mae/v1 model instead of the config's model.path")
    .option(
      '--collector-config <file>',
      'a collector config whose rules replace the defaults (to try a change; the report says so)',
    )
    .option('--json', 'print one JSON object')
    .action(async (o: SkabCliOptions) => {
      const { runSkabBench } = await import('./run.ts');
      const { formatSkabReport } = await import('./report.ts');
      const report = await runSkabBench({
        dir: o.data,
        ...(o.subsets ? { subsets: o.subsets.split(',').map((s) => s.trim()) } : {}),
        ...(o.config ? { agentConfig: o.config } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.collectorConfig ? { collectorConfig: o.collectorConfig } : {}),
        progress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${o.json ? JSON.stringify(report) : formatSkabReport(report)}\n`);
    });
}
