// Child processes of the demo: started with their output in log files, stopped with
// SIGTERM and a deadline before SIGKILL, so Ctrl-C never leaves an orphan behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REDBAND_BIN = fileURLToPath(new URL('../bin/redband.mjs', import.meta.url));

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** set once the process has exited */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** true while frozen with SIGSTOP */
  frozen: boolean;
}

/** Runs `redband <args>` in a child Node process, stdout and stderr appended to `logFile`. */
export function spawnRedband(
  name: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  return spawnNodeScript(name, REDBAND_BIN, args, logFile, env);
}

/** Runs a Node script (the CLI, or the esbuild agent bundle) as a managed child. */
export function spawnNodeScript(
  name: string,
  script: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const managed: ManagedProcess = { name, child, logFile, exit: null, frozen: false };
  child.on('exit', (code, signal) => {
    managed.exit = { code, signal };
    // Let the pipes drain before closing the log.
    setImmediate(() => log.end());
  });
  return managed;
}

export function freeze(p: ManagedProcess): void {
  if (p.exit || p.frozen) return;
  p.child.kill('SIGSTOP');
  p.frozen = true;
}

export function thaw(p: ManagedProcess): void {
  if (p.exit || !p.frozen) return;
  p.child.kill('SIGCONT');
  p.frozen = false;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(p: ManagedProcess, graceMs = 8000): Promise<void> {
  if (p.exit) return;
  const exited = once(p.child, 'exit');
  thaw(p);
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
