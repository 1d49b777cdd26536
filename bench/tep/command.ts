// The `tep` entry of `redband bench`: options → runTepBench → table or JSON on stdout,
// progress on stderr. The benchmark (the agent, the collector's rule engine) is imported
// when the command runs, not when `redband` builds its command list.
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

interface TepCliOptions {
  data: string;
  config?: string;
  model?: string;
  json?: boolean;
}

/** ../shared/datasets/tep beside the repository, as bench skab's data lives */
export const DEFAULT_TEP_DIR = fileURLToPath(
  new URL('../../../shared/datasets/tep', import.meta.url),
);

export function tepBenchCommand(): Command {
  return new Command('tep')
    .description(
      "Tennessee Eastman (fit on d00.dat only; score d00_te.dat, dNN.dat, dNN_te.dat) through the real agent and the collector's default rules, beside PCA T² and SPE",
    )
    .option('--data <dir>', "a folder of Braatz's TEP files (d00.dat required)", DEFAULT_TEP_DIR)
    .option(
      '--config <file>',
      'the agent device config (default: the shipped firmware-configs/tep-plant.yaml)',
    )
    .option('--model <file>', "a mae/v1 model instead of the config's model.path")
    .option('--json', 'print one JSON object')
    .action(async (o: TepCliOptions) => {
      const { runTepBench } = await import('./run.ts');
      const { formatTepReport } = await import('./report.ts');
      const report = await runTepBench({
        dir: o.data,
        ...(o.config ? { agentConfig: o.config } : {}),
        ...(o.model ? { model: o.model } : {}),
        progress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${o.json ? JSON.stringify(report) : formatTepReport(report)}\n`);
    });
}
