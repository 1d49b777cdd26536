// Real brokers and small waiting helpers shared by the integration and end-to-end tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort } from '../../shared/net/ports.ts';

/** A fixed wait, for a real process under test only; in-process timers are stepped instead. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tmpDir(prefix = 'redband-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { freePort };

export async function waitFor<T>(
  fn: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = 10_000,
  pollMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** True when the Debian mosquitto package is installed (.ci/run installs it). */
export function hasCommand(command: string): boolean {
  return spawnSync('which', [command]).status === 0;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** mosquitto on a free loopback port with a temp config; `extraConfig` lines are appended. */
export async function startMosquitto(extraConfig: string[] = []): Promise<RunningMosquitto> {
  if (!hasCommand('mosquitto')) {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients');
  }
  const port = await freePort();
  const dir = tmpDir('redband-mosquitto-');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 100000',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
    await c.endAsync();
    return true;
  }, 'mosquitto to accept connections');
  return {
    url,
    port,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
