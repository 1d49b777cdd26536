// Real parts for the collector's integration tests: brokers (Aedes in-process, mosquitto as
// a child process), temp SQLite files, MQTT clients that publish and watch alerts.
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import {
  decodeAlert,
  deviceTopic,
  type AlertMessage,
  type MetricsMessage,
  type StatusMessage,
} from '../../shared/schema/index.ts';
import {
  hasCommand,
  tmpDir as supportTmpDir,
  waitFor as supportWaitFor,
} from '../support/brokers.ts';

export const quietLog = pino({ level: 'silent' });

export {
  freePort,
  sleep,
  startMosquitto,
  type RunningMosquitto as Mosquitto,
} from '../support/brokers.ts';

export function tmpDir(): string {
  return supportTmpDir('redband-collector-');
}

/** support's waitFor, polling every 20 ms: the collector tests wait on in-process state */
export function waitFor<T>(
  fn: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  return supportWaitFor(fn, what, timeoutMs, 20);
}

export const mosquittoAvailable = (): boolean => hasCommand('mosquitto');

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
