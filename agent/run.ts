// Running the agent as a process: config → logger → agent → signals and --duration.
// Shared by `redband agent` and the standalone bundle (agent/main.ts), so both behave the same.
import { pino, type Logger } from 'pino';
import { logDestination, resolveLogFormat } from '../shared/log-destination.ts';
import type { LogFormat } from '../shared/log-format.ts';
import { loadAgentConfig, type AgentOverrides } from './config/load.ts';
import { createAgent, type AgentDeps } from './agent.ts';

export interface RunOptions extends AgentOverrides {
  config: string;
  /** stop after this many seconds (wall clock) */
  duration?: number;
  /** --log-format: wins over the config's log.format */
  logFormat?: LogFormat;
}

export function createLogger(
  level: string,
  bindings: Record<string, string> = {},
  format: LogFormat = resolveLogFormat(undefined, undefined),
): Logger {
  // Logs go to stderr: stdout is data when the agent publishes to stdout.
  return pino(
    { level, base: { app: 'redband-agent', ...bindings } },
    logDestination(format, { fd: 2, sync: true }),
  );
}

/** Runs until the source ends, --duration elapses, or SIGINT/SIGTERM; returns the exit code. */
export async function runAgent(opts: RunOptions, deps: Partial<AgentDeps> = {}): Promise<number> {
  const loaded = loadAgentConfig(opts.config, opts);
  const log =
    deps.log ??
    createLogger(
      loaded.config.log.level,
      { fleet: loaded.config.fleet, device: loaded.device },
      resolveLogFormat(opts.logFormat, loaded.config.log.format),
    );
  const agent = await createAgent(loaded, { ...deps, log });
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    void agent.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer =
    opts.duration !== undefined ? setTimeout(() => void agent.stop(), opts.duration * 1000) : null;
  try {
    await agent.start();
    await agent.finished;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
