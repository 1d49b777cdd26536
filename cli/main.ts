import { Command, CommanderError } from 'commander';
import { isUserError } from '../shared/errors.ts';
import { commandFactories } from './commands.ts';
import { VERSION } from '../shared/version.ts';

export function buildProgram(): Command {
  const program = new Command('redband')
    .description('Watches the redundancy structure of what edge ML models see.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const make of commandFactories) program.addCommand(withExitOverride(make()));
  return program;
}

/**
 * Commander exits the process itself on a usage error unless told not to, command by
 * command: nested ones too (`bench agent`, `silence add`), so every bad value is exit 2.
 */
function withExitOverride(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) withExitOverride(sub);
  return cmd;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 bad usage/input). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isUserError(e)) {
      process.stderr.write(`redband: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`redband: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
