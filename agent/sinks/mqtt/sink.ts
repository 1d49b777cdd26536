// The MQTT sink: metrics go through the on-disk outbox (QoS 1, deleted on PUBACK) and the
// status is retained. It wires three parts, each with one job: the connection (connect,
// back off, reconnect, online/offline; connection.ts), the outbox replay (sender.ts) and the
// outbox's log lines (outbox-log.ts); commands.ts reads commands to this device.
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Backoff } from '../../../shared/backoff.ts';
import { systemClock, systemTimer, type Clock, type Timer } from '../../../shared/clock.ts';
import type { CommandMessage } from '../../../shared/schema/index.ts';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';
import { deviceTopic } from '../../../shared/schema/topics.ts';
import type { Unstamped } from '../../component.ts';
import type { Sink, SinkStats } from '../types.ts';
import { commandHandler } from './commands.ts';
import { createConnection } from './connection.ts';
import type { Outbox } from './outbox.ts';
import { createOutboxLog } from './outbox-log.ts';
import { createSender } from './sender.ts';

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
  /** the backoff, rate and flush waits (tests step a virtual one) */
  timer?: Timer;
  /** outbox trouble (drops, a disk that refuses writes) is logged at most once per this */
  logPeriodMs?: number;
  connect?: (url: string, opts: IClientOptions) => MqttClient;
  /** a valid command for this device (its command topic is subscribed on every connect) */
  onCommand?: (command: CommandMessage) => void;
}

export const clientIdFor = (fleet: string, device: string): string =>
  `redband-agent-${fleet}-${device}`;

export function createMqttSink(opts: MqttSinkOptions): Unstamped<Sink> {
  const { outbox, log } = opts;
  const clock = opts.clock ?? systemClock;
  const timer = opts.timer ?? systemTimer;
  const commandTopic = deviceTopic(opts.fleet, opts.device, 'command');
  const onCommand = opts.onCommand;
  const sender = createSender({
    ...opts,
    // the connection below; the sender asks only once it has been told of a connect
    link: { connected: () => connection.connected(), isCurrent: (c) => connection.isCurrent(c) },
    clock,
    timer,
  });
  const connection = createConnection({
    url: opts.url,
    clientId: clientIdFor(opts.fleet, opts.device),
    statusTopic: deviceTopic(opts.fleet, opts.device, 'status'),
    ...(onCommand ? { commandTopic } : {}),
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    backoff: new Backoff(opts.backoff),
    clock,
    timer,
    log,
    connect: opts.connect ?? mqttConnect,
    ...(onCommand
      ? { onMessage: commandHandler({ ...opts, topic: commandTopic }, log, onCommand) }
      : {}),
    onConnect: () => sender.restart(),
    onClose: () => sender.release(),
  });
  const outboxLog = createOutboxLog(outbox, log, clock, opts.logPeriodMs ?? 60_000);
  const stop = stopOnce<StatusMessage>(async (offline) => {
    await sender.waitIdle(opts.flushTimeoutMs);
    sender.cancel();
    await connection.close(offline, opts.flushTimeoutMs);
    sender.close();
    outbox.flush();
    outboxLog.report();
    const { depth, dropped, unstored, memoryDepth: inMemory } = outbox;
    // inMemory > 0: the disk was still refusing; those messages are lost with the process
    log.info({ depth, dropped, unstored, inMemory }, 'mqtt sink stopped');
    outbox.close();
  });

  return {
    async start(online) {
      outboxLog.recovered();
      connection.open(online);
    },
    publishMetrics(message: MetricsMessage) {
      outbox.append(deviceTopic(message.fleet, message.device, 'metrics'), JSON.stringify(message));
      sender.drain();
      outboxLog.report();
    },
    stats: (): SinkStats => ({ outboxDepth: outbox.depth, outboxDropped: outbox.dropped }),
    stop,
  };
}

/** The first call runs `fn`; every call returns the same promise. */
function stopOnce<A>(fn: (arg: A) => Promise<void>): (arg: A) => Promise<void> {
  let done: Promise<void> | null = null;
  return (arg) => (done ??= fn(arg));
}
