// Child processes of the demo: started with their output in log files, stopped with
// SIGTERM and a deadline before SIGKILL. Each runs in its own session, so the terminal's
// Ctrl-C reaches the demo alone and the demo stops them in order (agents, then the
// collector); each also stops by itself when the demo is gone (parent-watch.mjs), so not
// even a SIGKILL of the demo leaves an orphan behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REDBAND_BIN = fileURLToPath(new URL('../bin/redband.mjs', import.meta.url));
const PARENT_WATCH = new URL('./parent-watch.mjs', import.meta.url);

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * when the demo is gone, wait this long before stopping (the collector, whose embedded
   * broker the agents need while they deliver their last messages); default 0
   */
  orphanStopDelayMs?: number;
}

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
  options: SpawnOptions = {},
): ManagedProcess {
  return spawnNodeScript(name, REDBAND_BIN, args, logFile, options);
}

/** Runs a Node script (the CLI, or the esbuild agent bundle) as a managed child. */
export function spawnNodeScript(
  name: string,
  script: string,
  args: string[],
  logFile: string,
  options: SpawnOptions = {},
): ManagedProcess {
  const watch = new URL(PARENT_WATCH);
  watch.searchParams.set('delay', String(options.orphanStopDelayMs ?? 0));
  // The child writes its log file itself: its last lines are kept even when the demo is gone.
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', watch.href, script, ...args], {
      // stdin: the pipe whose end tells the child that the demo is gone
      stdio: ['pipe', log, log],
      detached: true,
      env: options.env ?? process.env,
    });
  } finally {
    closeSync(log); // the child has its own copy
  }
  // never written to; a child that has exited closes it, which is not an error here
  child.stdin?.on('error', () => undefined);
  const managed: ManagedProcess = { name, child, logFile, exit: null, frozen: false };
  child.on('exit', (code, signal) => {
    managed.exit = { code, signal };
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
