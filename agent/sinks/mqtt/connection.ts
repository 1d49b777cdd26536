// The MQTT sink's connection. Reconnection is ours, not mqtt.js's: its reconnectPeriod is a
// fixed interval, and a fleet that lost its broker should back off exponentially with jitter.
// Each attempt uses a fresh client with the same client id and clean=false, so the broker
// keeps the session. `online` is published (retained) on every connect, `offline` is the last
// will and is published on a clean stop.
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Backoff } from '../../../shared/backoff.ts';
import type { Clock, Timer } from '../../../shared/clock.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';

export interface ConnectionOptions {
  url: string;
  clientId: string;
  statusTopic: string;
  /** subscribed (QoS 1) on every connect when set */
  commandTopic?: string;
  username?: string;
  password?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
  backoff: Backoff;
  clock: Clock;
  timer: Timer;
  log: Logger;
  connect: (url: string, opts: IClientOptions) => MqttClient;
  onMessage?: (topic: string, payload: Buffer) => void;
  /** a client has connected (a fresh session view: nothing is in flight on it) */
  onConnect(client: MqttClient): void;
  /** the current client's connection is gone */
  onClose(): void;
}

export interface Connection {
  /** the current client while it is connected, else null */
  connected(): MqttClient | null;
  /** whether `client` is the latest one (callbacks of an abandoned client are late) */
  isCurrent(client: MqttClient): boolean;
  open(online: StatusMessage): void;
  /** stops reconnecting, publishes `offline` when connected (waiting ≤ timeoutMs), ends */
  close(offline: StatusMessage, timeoutMs: number): Promise<void>;
}

export function createConnection(o: ConnectionOptions): Connection {
  let client: MqttClient | null = null;
  let isConnected = false;
  let stopping = false;
  let online: StatusMessage | null = null;
  let reconnectTimer: unknown = null;

  const scheduleReconnect = (): void => {
    if (stopping || reconnectTimer) return;
    const delay = o.backoff.next();
    o.log.info({ delayMs: Math.round(delay) }, 'mqtt reconnect scheduled');
    reconnectTimer = o.timer.setTimeout(() => {
      reconnectTimer = null;
      open();
    }, delay);
  };

  const open = (): void => {
    if (stopping || !online) return;
    const status = online;
    const c = o.connect(o.url, clientOptions(o, { ...status, state: 'offline', reason: 'lost' }));
    client = c;
    c.on('connect', () => {
      if (c !== client) return;
      isConnected = true;
      o.backoff.reset();
      o.log.info({ url: o.url }, 'mqtt connected');
      const payload = JSON.stringify({ ...status, sent_at: o.clock.now() });
      c.publish(o.statusTopic, payload, { qos: 1, retain: true });
      if (o.commandTopic) c.subscribe(o.commandTopic, { qos: 1 });
      o.onConnect(c);
    });
    if (o.onMessage) c.on('message', o.onMessage);
    c.on('error', (err) => o.log.warn({ err: err.message }, 'mqtt error'));
    c.on('close', () => {
      if (c !== client) return;
      if (isConnected && !stopping) o.log.warn('mqtt connection lost');
      isConnected = false;
      o.onClose();
      if (stopping) return;
      c.end(true);
      scheduleReconnect();
    });
  };

  const publishOffline = (c: MqttClient, offline: StatusMessage, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const t = o.timer.setTimeout(resolve, timeoutMs);
      c.publish(o.statusTopic, JSON.stringify(offline), { qos: 1, retain: true }, () => {
        o.timer.clearTimeout(t);
        resolve();
      });
    });

  return {
    connected: () => (isConnected ? client : null),
    isCurrent: (c) => c === client,
    open(status) {
      online = status;
      open();
    },
    async close(offline, timeoutMs) {
      stopping = true;
      if (reconnectTimer) o.timer.clearTimeout(reconnectTimer);
      const c = client;
      if (c && isConnected) await publishOffline(c, offline, timeoutMs);
      if (c) await new Promise<void>((resolve) => c.end(!isConnected, {}, () => resolve()));
    },
  };
}

function clientOptions(o: ConnectionOptions, offlineWill: StatusMessage): IClientOptions {
  return {
    clientId: o.clientId,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    username: o.username,
    password: o.password,
    ...o.tls,
    will: {
      topic: o.statusTopic,
      payload: Buffer.from(JSON.stringify(offlineWill)),
      qos: 1,
      retain: true,
    },
  };
}
