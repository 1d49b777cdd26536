// The `skab` entry of `redband bench`: options → runSkabBench → table or JSON on stdout,
// progress on stderr. The benchmark (the agent, the collector's rule engine) is imported
// when the command runs, not when `redband` builds its command list.
import { Command } from 'commander';
import { UserError } from '../../shared/errors.ts';

const folders = (list: string): string[] =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

interface SkabCliOptions {
  data: string;
  subsets?: string;
  score?: string;
  tune?: string;
  healthy: boolean;
  config?: string;
  model?: string;
  collectorConfig?: string;
  json?: boolean;
}

export function skabBenchCommand(): Command {
  return new Command('skab')
    .description(
      "SKAB protocol (fit on each file's first 400 rows, score the rest) through the real agent and the collector's default rules; --tune A --score B chooses the knobs on A only",
    )
    .requiredOption(
      '--data <dir>',
      'a SKAB-like folder: subfolders of ;-separated CSVs (files with an anomaly column are scored)',
    )
    .option(
      '--tune <names>',
      'comma-separated subfolders to choose the knobs of bench/skab/knobs.ts on (grid search); the others are scored with that choice',
    )
    .option(
      '--score <names>',
      'comma-separated subfolders to score (default: every labelled one not in --tune)',
    )
    .option('--subsets <names>', 'the same as --score (its former name)')
    .option('--no-healthy', 'skip the long-horizon healthy run (unlabelled files cut into pieces)')
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
      if (o.subsets !== undefined && o.score !== undefined) {
        throw new UserError('--subsets is the former name of --score: give one of them');
      }
      const score = o.score ?? o.subsets;
      const report = await runSkabBench({
        dir: o.data,
        healthy: o.healthy,
        ...(score !== undefined ? { score: folders(score) } : {}),
        ...(o.tune !== undefined ? { tune: folders(o.tune) } : {}),
        ...(o.config ? { agentConfig: o.config } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.collectorConfig ? { collectorConfig: o.collectorConfig } : {}),
        progress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${o.json ? JSON.stringify(report) : formatSkabReport(report)}\n`);
    });
}
