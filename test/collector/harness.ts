// Real parts for the collector's integration tests: brokers (Aedes in-process, mosquitto as
// a child process), temp SQLite files, MQTT clients that publish and watch alerts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import {
  decodeAlert,
  deviceTopic,
  type AlertMessage,
  type MetricsMessage,
  type StatusMessage,
} from '../../shared/schema/index.ts';

export const quietLog = pino({ level: 'silent' });

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'redband-collector-'));
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function waitFor<T>(
  fn: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = 10_000,
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
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mosquitto -h exits non-zero but runs: presence is what matters. */
export function mosquittoAvailable(): boolean {
  return spawnSync('mosquitto', ['-h']).error === undefined;
}

export interface Mosquitto {
  url: string;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tmpDir();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`,
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
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function publisher(url: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
}

export async function publishMetrics(c: MqttClient, m: MetricsMessage): Promise<void> {
  await c.publishAsync(deviceTopic(m.fleet, m.device, 'metrics'), JSON.stringify(m), { qos: 1 });
}

export async function publishStatus(c: MqttClient, s: StatusMessage): Promise<void> {
  await c.publishAsync(deviceTopic(s.fleet, s.device, 'status'), JSON.stringify(s), {
    qos: 1,
    retain: true,
  });
}

/** Subscribes to every alert topic and keeps the decoded alerts in arrival order. */
export async function watchAlerts(url: string, protocolVersion: 4 | 5 = 4) {
  const c = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 200 });
  const alerts: AlertMessage[] = [];
  c.on('message', (_topic, payload) => {
    const d = decodeAlert(payload);
    if (d.ok) alerts.push(d.value);
  });
  await c.subscribeAsync('redband/v1/+/+/alerts', { qos: 1 });
  return {
    alerts,
    /** `device rule state` lines, in arrival order */
    lines: () => alerts.map((a) => `${a.device} ${a.rule} ${a.state}${a.resend ? ' resend' : ''}`),
    close: () => c.endAsync(),
  };
}

export async function getJson<T>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const r = await fetch(url, init);
  return { status: r.status, body: (await r.json()) as T };
}

/** One sample of a Prometheus exposition, or undefined. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    const ok = Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf('}') + 1));
  }
  return undefined;
}
