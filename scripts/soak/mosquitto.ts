// A real mosquitto for the soak: loopback, a free port, persistence on in the run's own
// directory (the agents' and the collector's persistent sessions are then on disk, as in
// production), and queues deep enough that the broker never drops a QoS 1 message by itself.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort } from '../../shared/net/ports.ts';

export interface Mosquitto {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startMosquitto(dir: string): Promise<Mosquitto> {
  if (spawnSync('which', ['mosquitto']).status !== 0) {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto');
  }
  const port = await freePort();
  const data = join(dir, 'mosquitto');
  mkdirSync(data, { recursive: true });
  // Started as root, mosquitto drops to its own user and then cannot write a root-owned
  // persistence directory: it would log the failure and run without persistence.
  chmodSync(data, 0o777);
  const conf = join(data, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${data}/`,
      'autosave_interval 60',
      'max_queued_messages 100000',
      'max_inflight_messages 0',
      `log_dest file ${join(data, 'mosquitto.log')}`,
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.pipe(createWriteStream(join(data, 'stderr.log')));
  const exited = once(child, 'exit');
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`mosquitto exited (${child.exitCode}); see ${data}`);
    try {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mosquitto did not accept connections on ${url}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
