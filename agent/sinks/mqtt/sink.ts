// The MQTT sink. Metrics go through the on-disk outbox (QoS 1, deleted on PUBACK); the
// status is retained: `online` on every connect, `offline` as the last will and on a clean
// stop. Reconnection is ours, not mqtt.js's: its reconnectPeriod is a fixed interval, and a
// fleet that lost its broker should back off exponentially with jitter. Each attempt uses a
// fresh client with the same client id and clean=false, so the broker keeps the session,
// and the outbox (not mqtt.js's in-memory store) is the one place unacked messages live.
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { deviceTopic } from '../../../shared/schema/topics.ts';
import { decodeCommand, type CommandMessage } from '../../../shared/schema/index.ts';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';
import type { Sink, SinkStats } from '../types.ts';
import { Backoff } from '../../../shared/backoff.ts';
import { TokenBucket } from '../../../shared/token-bucket.ts';
import type { Outbox } from './outbox.ts';
import { systemClock, systemTimer, type Clock, type Timer } from '../../../shared/clock.ts';

export interface MqttSinkOptions {
  url: string;
  fleet: string;
  device: string;
  outbox: Outbox;
  log: Logger;
  username?: string;
  password?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
  /** QoS 1 messages awaiting PUBACK at once */
  maxInflight: number;
  /** outbox sending rate (messages/s) and burst, so a long backlog does not flood the broker */
  rate: number;
  burst: number;
  backoff: { initialMs: number; maxMs: number };
  /** how long stop() waits for the outbox to empty before giving up (the rest stays on disk) */
  flushTimeoutMs: number;
  clock?: Clock;
  timer?: Timer;
  /** outbox trouble (drops, a disk that refuses writes) is logged at most once per this */
  logPeriodMs?: number;
  connect?: (url: string, opts: IClientOptions) => MqttClient;
  /** a valid command for this device (its command topic is subscribed on every connect) */
  onCommand?: (command: CommandMessage) => void;
}

export const clientIdFor = (fleet: string, device: string): string =>
  `redband-agent-${fleet}-${device}`;

export function createMqttSink(opts: MqttSinkOptions): Sink {
  const { outbox, log } = opts;
  const clock = opts.clock ?? systemClock;
  const timer = opts.timer ?? systemTimer;
  const connectFn = opts.connect ?? mqttConnect;
  const statusTopic = deviceTopic(opts.fleet, opts.device, 'status');
  const commandTopic = deviceTopic(opts.fleet, opts.device, 'command');
  const backoff = new Backoff(opts.backoff);
  const bucket = new TokenBucket(opts.rate, opts.burst, clock.now());
  let client: MqttClient | null = null;
  let connected = false;
  let stopping = false;
  /** the outbox is closed: late callbacks of the last client must not touch it */
  let closed = false;
  let stopped: Promise<void> | null = null;
  let online: StatusMessage | null = null;
  let reconnectTimer: unknown = null;
  let drainTimer: unknown = null;
  /** outbox ids handed to the current client and not acknowledged yet */
  const inflight = new Set<number>();
  /** highest id handed to the current client; a new connection starts over from the outbox head */
  let cursor = 0;
  let idleWaiters: Array<() => void> = [];

  const notifyIfIdle = (): void => {
    if (closed) return;
    if (outbox.depth === 0 || !connected) for (const wake of idleWaiters.splice(0)) wake();
  };

  const drain = (): void => {
    if (closed || !connected || !client || drainTimer) return;
    const current = client;
    while (inflight.size < opts.maxInflight) {
      const [rec] = outbox.next(cursor, 1);
      if (!rec) break;
      const wait = bucket.take(clock.now());
      if (wait > 0) {
        drainTimer = timer.setTimeout(() => {
          drainTimer = null;
          drain();
        }, wait);
        return;
      }
      cursor = rec.id;
      inflight.add(rec.id);
      outbox.sending(rec);
      current.publish(rec.topic, rec.payload, { qos: 1 }, (err) => {
        if (closed) return;
        // A PUBACK from an abandoned connection still proves delivery: ack it either way.
        if (!err) outbox.ack(rec.id);
        if (current !== client) return;
        inflight.delete(rec.id);
        if (err) log.warn({ err: err.message }, 'mqtt publish failed; will resend');
        notifyIfIdle();
        drain();
      });
    }
    notifyIfIdle();
  };

  const scheduleReconnect = (): void => {
    if (stopping || reconnectTimer) return;
    const delay = backoff.next();
    log.info({ delayMs: Math.round(delay) }, 'mqtt reconnect scheduled');
    reconnectTimer = timer.setTimeout(() => {
      reconnectTimer = null;
      open();
    }, delay);
  };

  const open = (): void => {
    if (stopping || !online) return;
    const offlineWill: StatusMessage = { ...online, state: 'offline' };
    const c = connectFn(opts.url, {
      clientId: clientIdFor(opts.fleet, opts.device),
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      username: opts.username,
      password: opts.password,
      ...opts.tls,
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify(offlineWill)),
        qos: 1,
        retain: true,
      },
    });
    client = c;
    c.on('connect', () => {
      if (c !== client) return;
      connected = true;
      backoff.reset();
      inflight.clear();
      cursor = 0;
      log.info({ url: opts.url }, 'mqtt connected');
      const status = { ...online!, sent_at: clock.now() };
      c.publish(statusTopic, JSON.stringify(status), { qos: 1, retain: true });
      if (opts.onCommand) c.subscribe(commandTopic, { qos: 1 });
      drain();
    });
    c.on('message', (topic, payload) => {
      if (topic !== commandTopic || !opts.onCommand) return;
      const d = decodeCommand(payload);
      if (!d.ok) {
        log.warn({ topic, err: d.error.message }, 'mqtt: command ignored');
      } else if (d.value.fleet !== opts.fleet || d.value.device !== opts.device) {
        log.warn({ topic }, 'mqtt: command for another device ignored');
      } else {
        opts.onCommand(d.value);
      }
    });
    c.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
    c.on('close', () => {
      if (c !== client) return;
      if (connected && !stopping) log.warn('mqtt connection lost');
      connected = false;
      inflight.clear();
      outbox.release();
      notifyIfIdle();
      if (stopping) return;
      c.end(true);
      scheduleReconnect();
    });
  };

  // Outbox trouble, logged when it starts and ends and at most once per period in between,
  // so a disk that stays full for a week does not fill the journal as well.
  const logPeriodMs = opts.logPeriodMs ?? 60_000;
  let degradedSince: number | null = null;
  let lastDegradedLog = 0;
  let droppedLogged = 0;
  let lastDropLog = Number.NEGATIVE_INFINITY;
  const reportOutbox = (): void => {
    const now = clock.now();
    const file = outbox.location;
    if (outbox.degraded && degradedSince === null) {
      degradedSince = lastDegradedLog = now;
      log.error(
        { file, err: outbox.storageError, inMemory: outbox.memoryDepth, unstored: outbox.unstored },
        'outbox: the disk refuses writes; messages wait in memory (bounded, lost if the agent dies) and are still sent',
      );
    } else if (outbox.degraded && now - lastDegradedLog >= logPeriodMs) {
      lastDegradedLog = now;
      log.warn(
        { file, err: outbox.storageError, inMemory: outbox.memoryDepth, unstored: outbox.unstored },
        'outbox: the disk still refuses writes',
      );
    } else if (!outbox.degraded && degradedSince !== null) {
      log.info(
        { file, unstored: outbox.unstored, degradedMs: now - degradedSince },
        'outbox: the disk takes writes again; what waited in memory is on disk',
      );
      degradedSince = null;
    }
    if (outbox.dropped > droppedLogged && now - lastDropLog >= logPeriodMs) {
      log.warn(
        { dropped: outbox.dropped, new: outbox.dropped - droppedLogged, depth: outbox.depth },
        'outbox: dropped the oldest messages (outbox limits: max_messages, max_bytes, max_age_s)',
      );
      droppedLogged = outbox.dropped;
      lastDropLog = now;
    }
  };

  const waitIdle = (timeoutMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (outbox.depth === 0 || !connected) return resolve();
      const t = timer.setTimeout(resolve, timeoutMs);
      idleWaiters.push(() => {
        timer.clearTimeout(t);
        resolve();
      });
    });

  const publishOffline = (c: MqttClient, offline: StatusMessage): Promise<void> =>
    new Promise((resolve) => {
      const t = timer.setTimeout(resolve, opts.flushTimeoutMs);
      c.publish(statusTopic, JSON.stringify(offline), { qos: 1, retain: true }, () => {
        timer.clearTimeout(t);
        resolve();
      });
    });

  return {
    kind: 'mqtt',
    async start(status) {
      online = status;
      const r = outbox.recovered;
      if (r) {
        log.error(
          { file: outbox.location, movedTo: r.movedTo, err: r.reason },
          'outbox: the file was corrupt; moved it aside and started with an empty outbox (its messages are lost)',
        );
      }
      open();
    },
    publishMetrics(message: MetricsMessage) {
      outbox.append(deviceTopic(message.fleet, message.device, 'metrics'), JSON.stringify(message));
      drain();
      reportOutbox();
    },
    stats: (): SinkStats => ({ outboxDepth: outbox.depth, outboxDropped: outbox.dropped }),
    stop(offline) {
      stopped ??= (async () => {
        await waitIdle(opts.flushTimeoutMs);
        stopping = true;
        if (reconnectTimer) timer.clearTimeout(reconnectTimer);
        if (drainTimer) timer.clearTimeout(drainTimer);
        const c = client;
        if (c && connected) await publishOffline(c, offline);
        if (c) await new Promise<void>((resolve) => c.end(!connected, {}, () => resolve()));
        idleWaiters = [];
        outbox.flush();
        reportOutbox();
        log.info(
          {
            depth: outbox.depth,
            dropped: outbox.dropped,
            unstored: outbox.unstored,
            inMemory: outbox.memoryDepth,
          },
          // inMemory > 0: the disk was still refusing; those messages are lost with the process
          'mqtt sink stopped',
        );
        closed = true;
        outbox.close();
      })();
      return stopped;
    },
  };
}
