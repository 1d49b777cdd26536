// `redband agent`: runs the edge agent (agent/run.ts) from a device config.
import { Command } from 'commander';
import { addAgentOptions, runOptionsFrom } from '../agent/cli-options.ts';

export function agentCommand(): Command {
  return addAgentOptions(new Command('agent'))
    .description('run the edge agent: read a sensor stream, watch its redundancy, publish metrics')
    .action(async (opts: Record<string, unknown>) => {
      const { runAgent } = await import('../agent/run.ts');
      process.exitCode = await runAgent(runOptionsFrom(opts));
    });
}
