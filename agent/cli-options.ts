// The agent's command-line options, defined once for `redband agent` and the bundle.
import { InvalidArgumentError, type Command } from 'commander';
import { logFormatOption } from '../shared/log-destination.ts';
import { positiveNumber } from '../shared/cli-args.ts';
import type { RunOptions } from './run.ts';

function parseSpeed(value: string): 'max' | 'realtime' | number {
  if (value === 'max' || value === 'realtime') return value;
  try {
    return positiveNumber('--speed')(value);
  } catch {
    throw new InvalidArgumentError("expected 'max', 'realtime' or a positive number");
  }
}

function parsePublish(value: string): string {
  if (value === 'stdout' || /^(mqtts?|wss?|tcp|ssl):\/\//.test(value)) return value;
  throw new InvalidArgumentError("expected 'stdout' or a broker URL (mqtt://host:port)");
}

export function addAgentOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--config <file>', 'device config (firmware-configs/*.yaml)')
    .option('--model <path>', 'model file, overriding model.path')
    .option('--replay <csv>', 'replay a CSV file instead of the configured source')
    .option('--speed <speed>', "replay speed: 'max', 'realtime' or a factor", parseSpeed)
    .option(
      '--publish <target>',
      "'stdout' or a broker URL, overriding publish.sink / mqtt.url",
      parsePublish,
    )
    .option('--device <id>', 'device id, overriding device / $REDBAND_DEVICE / host name')
    .option('--fleet <id>', 'fleet id, overriding fleet')
    .option('--duration <seconds>', 'stop after this many seconds', positiveNumber('--duration'))
    .addOption(logFormatOption("the config's log.format"));
}

/** commander's parsed options as RunOptions (drops the unset ones). */
export function runOptionsFrom(o: Record<string, unknown>): RunOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as unknown as RunOptions;
}
