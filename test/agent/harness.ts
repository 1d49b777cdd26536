// Real parts for the agent's integration tests: the repository's paths, the CLI as a child
// process, brokers (mosquitto as a child process, Aedes in-process) that can be stopped and
// started again on the same port, and a persistent-session subscriber.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../support/brokers.ts';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { skabFile } from '../support/datasets.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SKAB_MODEL = join(REPO, 'models', 'skab-pump.onnx');
export const SKAB_VALVE1 = skabFile('valve1/1.csv');
export const SKAB_FREE = skabFile('anomaly-free/anomaly-free.csv');

export const tmpDir = (): string => mkdtempSync(join(tmpdir(), 'redband-agent-'));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Shared with the other integration tests. */
export { freePort, waitFor } from '../support/brokers.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> …args` from the repository root and collects its output. */
export function runNode(script: string, args: string[], timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: REPO,
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

/** A broker that can be taken away and brought back on the same port. */
export interface TestBroker {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** mosquitto with a temp config; persistence keeps the subscriber's session across restarts. */
export async function mosquittoBroker(): Promise<TestBroker> {
  const port = await freePort();
  const dir = tmpDir();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nmax_queued_messages 100000\n`,
  );
  const url = `mqtt://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  return {
    url,
    async start() {
      proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitForBroker(url);
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Delivery {
  topic: string;
  payload: string;
  /** a broker's redelivery of a message it had already sent (QoS 1), not a new publish */
  dup: boolean;
}

/**
 * Aedes in-process; stop() closes the listener and drops every connection, the broker's
 * state stays. `accepted` records every PUBLISH the broker took from a client, in order:
 * what the agent delivered, free of the broker-to-subscriber leg (which Aedes may reorder
 * while a reconnecting subscriber's stored messages are flushed).
 */
export async function aedesBroker(): Promise<
  TestBroker & { accepted: Delivery[]; close(): Promise<void> }
> {
  const port = await freePort();
  const broker = await Aedes.createBroker();
  const accepted: Delivery[] = [];
  broker.on('publish', (packet, client) => {
    if (client)
      accepted.push({ topic: packet.topic, payload: packet.payload.toString(), dup: false });
  });
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    accepted,
    async start() {
      const s = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        broker.handle(socket);
      });
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async close() {
      const s = server;
      server = null;
      if (s) {
        const closed = new Promise<void>((r) => s.close(() => r()));
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

async function waitForBroker(url: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    try {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`broker at ${url} did not come up`);
}

/** A QoS 1 subscriber with a persistent session that reconnects by itself. */
export async function subscriber(url: string, topic: string, clientId: string) {
  const messages: Delivery[] = [];
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId,
    clean: false,
    reconnectPeriod: 100,
  });
  client.on('message', (t, payload, packet) =>
    messages.push({ topic: t, payload: payload.toString(), dup: packet.dup }),
  );
  await client.subscribeAsync(topic, { qos: 1 });
  return { messages, close: () => client.endAsync(true) };
}
