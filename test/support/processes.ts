// Child processes that can be killed with SIGKILL and started again (agents, collectors,
// mosquitto with on-disk persistence), tracked so afterAll can kill what a failing test left
// behind, by pid. Shared by the agent's integration tests and the fault tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePort, hasCommand, tmpDir, waitFor } from './brokers.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Proc {
  readonly name: string;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (null when killed by a signal) */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<Proc>();

export function spawnTracked(name: string, cmd: string, args: string[]): Proc {
  const child: ChildProcess = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      running = false;
      r({ code, signal });
    }),
  );
  const proc: Proc = {
    name,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    get running() {
      return running;
    },
    async kill(signal = 'SIGTERM') {
      if (!running) return;
      child.kill(signal);
      await exited;
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** For afterAll: SIGKILL every child a test started and did not stop (a failed test). */
export async function killLeftovers(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL')));
}

/** mosquitto on a fixed port with on-disk persistence; SIGKILL and start again at will. */
export async function persistentMosquitto(extraConfig: string[] = []) {
  if (!hasCommand('mosquitto')) {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients');
  }
  const port = await freePort();
  const dir = tmpDir('redband-mosq-');
  // Started as root, mosquitto drops to its own user and then cannot write a root-owned
  // persistence directory: it logs the failure and runs without persistence at all.
  chmodSync(dir, 0o777);
  const conf = join(dir, 'mosquitto.conf');
  // autosave after every change: a SIGKILL then loses no session or queued message that was
  // already written; with the default (every 30 min) a killed broker forgets the collector's
  // subscription and what the agents published meanwhile is delivered to no one.
  // max_inflight_messages 0: nothing waits in the broker's memory for a subscriber's PUBACK.
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_on_changes true',
      'autosave_interval 1',
      'max_inflight_messages 0',
      'max_queued_messages 100000',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const url = `mqtt://127.0.0.1:${port}`;
  let proc: Proc | null = null;
  return {
    url,
    port,
    /** no-op while it runs */
    async start() {
      if (proc?.running) return;
      proc = spawnTracked('mosquitto', 'mosquitto', ['-c', conf]);
      await waitForBroker(url, proc);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await proc?.kill(signal);
    },
  };
}

async function waitForBroker(url: string, proc: Proc): Promise<void> {
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`mosquitto exited: ${proc.stderr()}`);
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      return true;
    },
    `mosquitto at ${url}`,
    15_000,
  );
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> …args` from the repository root and collects its output. */
export function runNode(
  script: string,
  args: string[],
  timeoutMs = 90_000,
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
