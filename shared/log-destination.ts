// Where the agent's and the collector's pino logs go: stderr, as JSON lines or, for a person
// at a terminal, as shared/log-format.ts's pretty lines. One place for both sides (and the
// agent bundle), so `--log-format` means the same everywhere. I/O at the edge of shared/
// (stderr, a terminal check), like mqtt-credentials.ts: both sides run it, neither owns it.
import { isatty } from 'node:tty';
import { Option } from 'commander';
import { pino, type DestinationStream } from 'pino';
import { chooseLogFormat, LOG_FORMATS, prettyLogLine, type LogFormat } from './log-format.ts';

/** `--log-format json|pretty`; without it the config's key (if the side has one), then the terminal. */
export function logFormatOption(configKey?: string): Option {
  const fallback = `${configKey ? `${configKey}, else ` : ''}pretty on a terminal, json otherwise`;
  return new Option(
    '--log-format <format>',
    `log lines on stderr: json (for journald and log shippers) or pretty (for a person); default: ${fallback}`,
  ).choices(LOG_FORMATS);
}

export interface LogOutput {
  /** file descriptor (default 2: stdout may carry data) */
  fd?: number;
  /** write each line before returning (the agent: nothing lost at a crash) */
  sync?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The flag's format, else the config's, else pretty when `fd` is a terminal. */
export function resolveLogFormat(
  flag: LogFormat | undefined,
  config: LogFormat | undefined,
  fd = 2,
): LogFormat {
  return chooseLogFormat(flag, config, isatty(fd));
}

/** A pino destination writing `format` lines to `o.fd`. */
export function logDestination(format: LogFormat, o: LogOutput = {}): DestinationStream {
  const fd = o.fd ?? 2;
  const out = pino.destination({ fd, sync: o.sync ?? false });
  if (format === 'json') return out;
  // https://no-color.org: set and not empty turns colours off
  const color = isatty(fd) && !(o.env ?? process.env).NO_COLOR;
  let partial = '';
  return {
    write(chunk: string) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') out.write(`${prettyLogLine(line, { color })}\n`);
    },
  };
}
