// Entry of the standalone bundle (dist/redband-agent.mjs): the `redband agent` command
// without the rest of the CLI, for devices that should not carry the tooling.
import { Command, CommanderError } from 'commander';
import { isUserError } from '../shared/errors.ts';
import { VERSION } from '../shared/version.ts';
import { addAgentOptions, runOptionsFrom } from './cli-options.ts';
import { runAgent } from './run.ts';

async function main(argv: string[]): Promise<number> {
  const program = addAgentOptions(new Command('redband-agent'))
    .description('redband edge agent')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse(argv);
    return await runAgent(runOptionsFrom(program.opts()));
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isUserError(e)) {
      process.stderr.write(`redband-agent: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`redband-agent: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
