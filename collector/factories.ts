// Every component of a collector is built here, in one place, by explicit factories.
// Start order: consumers first (store → core → HTTP → MQTT publisher), then the producer
// (the subscription). Stop order is the reverse: producer first, SQLite last.
import pino, { type Logger } from 'pino';
import type { CollectorConfig } from './config.ts';
import { systemClock, systemTimer, type Clock, type IntervalTimer } from '../shared/clock.ts';
import { CollectorCore } from './core.ts';
import { httpBackend } from './http-backend.ts';
import { HttpServer } from './http.ts';
import { LogLimiter } from '../shared/log-limiter.ts';
import { CollectorMetrics } from './metrics.ts';
import {
  defaultClientId,
  displayUrl,
  MqttTransport,
  startEmbeddedBroker,
  type EmbeddedBroker,
} from './mqtt.ts';
import { Store } from './store.ts';
import { mqttConnectionOptions } from '../shared/mqtt-credentials.ts';
import { buildSummary } from './summary.ts';
import { logDestination, resolveLogFormat } from '../shared/log-destination.ts';
import type { LogFormat } from '../shared/log-format.ts';

export interface CollectorDeps {
  clock?: Clock;
  /** the tick and summary intervals, the shutdown bounds, the core's and the transport's timers */
  timer?: IntervalTimer;
  logger?: Logger;
  /** collect Node process metrics too (off in tests: they are process-global) */
  processMetrics?: boolean;
  /** start the tick and summary timers (tests may drive tick() themselves) */
  timers?: boolean;
  /**
   * resolve only once subscribed to the broker (default). false: resolve as soon as HTTP
   * serves, with /readyz 503 and the reason while the broker is waited for (the CLI).
   */
  waitForBroker?: boolean;
  /** where mqtt.password_env is looked up (default process.env) */
  env?: NodeJS.ProcessEnv;
}

export interface Collector {
  readonly core: CollectorCore;
  readonly http: HttpServer;
  readonly brokerUrl: string;
  readonly httpUrl: string;
  /**
   * resolves once subscribed (an unreachable broker is waited for, never an error); rejects
   * only when the broker refuses the subscription
   */
  readonly subscribed: Promise<void>;
  /** publishes retained summaries for fleets that changed */
  publishSummaries(): Promise<void>;
  stop(): Promise<void>;
}

/** On stderr; format: --log-format, else pretty on a terminal and JSON otherwise. */
export function createLogger(
  level = process.env.REDBAND_LOG_LEVEL ?? 'info',
  format: LogFormat = resolveLogFormat(undefined, undefined),
): Logger {
  return pino({ level, base: { component: 'collector' } }, logDestination(format, { fd: 2 }));
}

const PRUNE_EVERY_MS = 60_000;

/** Resolves after `ms` on `timer`; a shutdown bound, so it does not hold the process open. */
function elapsed(timer: IntervalTimer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const handle = timer.setTimeout(resolve, ms);
    timer.unref?.(handle);
  });
}

export async function startCollector(
  config: CollectorConfig,
  deps: CollectorDeps = {},
): Promise<Collector> {
  const clock = deps.clock ?? systemClock;
  const timer = deps.timer ?? systemTimer;
  const log = deps.logger ?? createLogger();
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  const security = mqttSecurity(config, deps.env ?? process.env, log);
  try {
    const store = Store.open(
      config.db.path,
      config.mqtt.client_id ?? defaultClientId(config.db.path),
      config.db.cache_mb,
    );
    cleanups.push(() => store.close());
    let core: CollectorCore | null = null;
    const metrics = new CollectorMetrics(
      { devices: () => core?.devices() ?? [], forecast: config.forecast },
      deps.processMetrics ?? false,
    );
    core = new CollectorCore(config, store, metrics, log, clock, timer);
    const c = core;

    const { host, port, token } = config.http;
    const historyLimit = config.db.history_points_per_device;
    const api = httpBackend(c);
    const http = new HttpServer({ host, port, token, historyLimit }, api, metrics, clock, log);
    await http.start();
    cleanups.push(() => http.stop());

    const brokerUrl = config.mqtt.url ?? (await embeddedBroker(config, log, cleanups));
    const transport = new MqttTransport(config, brokerUrl, log, security, timer);
    const perMessage = config.ingest.commit === 'per-message';
    c.on('flushed', (committed) => transport.releaseAcks(committed));
    cleanups.push(() => transport.close());
    let stoppingNow = false;
    // The producer: from its subscription on, messages flow. A broker that is not up yet is
    // waited for, /readyz saying why; readiness follows the connection from then on.
    const subscribed = transport.start(
      perMessage ? (m) => c.ingest([m]) : (m) => c.enqueue(m),
      !perMessage,
      (notReady) => {
        if (stoppingNow) return;
        if (notReady === null) http.setReady(true);
        else http.setNotReady(notReady);
      },
    );
    subscribed.catch(() => undefined); // observed by the caller (or by waiting for it below)
    c.attachPublisher((a) => transport.publishAlert(a));

    const publishSummaries = summaryPublisher(c, transport, clock);
    if (deps.timers ?? true)
      cleanups.push(startTimers({ core: c, store, config, clock, timer, log, publishSummaries }));

    // The producer first at stop: no more messages are taken.
    cleanups.push(async () => {
      stoppingNow = true;
      http.setReady(false);
      await stopIngest(c, transport, timer, publishSummaries);
    });
    if (deps.waitForBroker ?? true) await subscribed;
    log.info(
      {
        http: `http://${config.http.host}:${http.port}`,
        broker: displayUrl(brokerUrl),
        db: config.db.path,
      },
      'collector started',
    );

    let stopping: Promise<void> | null = null;
    return {
      core: c,
      http,
      brokerUrl,
      subscribed,
      httpUrl: `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${http.port}`,
      publishSummaries,
      stop() {
        stopping ??= cleanup().then(() => log.info('collector stopped'));
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * The MQTT connection's security, before anything opens: an unreadable TLS file or an unset
 * password variable is a configuration error naming its key (shared with the agent:
 * shared/mqtt-credentials.ts); a password in the file still works, with a warning.
 */
function mqttSecurity(config: CollectorConfig, env: NodeJS.ProcessEnv, log: Logger) {
  const security = mqttConnectionOptions(config.mqtt, env);
  if (config.mqtt.password !== undefined) {
    security.password = config.mqtt.password;
    log.warn(
      'mqtt.password is deprecated: put the password in an environment variable and name it in mqtt.password_env',
    );
  }
  return security;
}

/** The embedded broker (mqtt.url null), stopped with the collector; its URL. */
async function embeddedBroker(
  config: CollectorConfig,
  log: Logger,
  cleanups: (() => Promise<void> | void)[],
): Promise<string> {
  const broker: EmbeddedBroker = await startEmbeddedBroker(
    config.embedded_broker.host,
    config.embedded_broker.port,
  );
  cleanups.push(() => broker.close());
  log.info({ url: broker.url }, 'embedded MQTT broker listening');
  return broker.url;
}

/** Publishes the retained summary of every fleet that changed since the last call. */
function summaryPublisher(c: CollectorCore, transport: MqttTransport, clock: Clock) {
  return async (): Promise<void> => {
    const fleets = [...c.dirtyFleets];
    c.dirtyFleets.clear();
    const now = clock.now();
    const view = c.fleetView();
    for (const fleet of fleets) {
      const devices = view.filter((d) => d.fleet === fleet);
      await transport.publishSummary(buildSummary(fleet, devices, now)).catch(() => undefined);
    }
  };
}

interface TimerParts {
  core: CollectorCore;
  store: Store;
  config: CollectorConfig;
  clock: Clock;
  timer: IntervalTimer;
  log: Logger;
  publishSummaries: () => Promise<void>;
}

/** The wall-clock work: rule ticks (silence, timers), pruning, summaries. Returns the stop. */
function startTimers(p: TimerParts): () => void {
  const { core: c, store, config, clock, timer, log } = p;
  let lastPrune = 0;
  const tickErrors = new LogLimiter(60_000);
  const tick = () => {
    try {
      c.tick();
      if (clock.now() - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = clock.now();
        store.prune(
          lastPrune,
          config.db.history_points_per_device,
          config.db.history_max_age,
          config.db.alert_history,
        );
      }
    } catch (e) {
      // a failing disk must not take the process down; the next tick tries again
      const held = tickErrors.take('tick', clock.now());
      if (held !== null) log.error({ err: (e as Error).message, held_back: held }, 'tick failed');
    }
  };
  const intervals = [
    timer.setInterval(tick, config.tick_interval),
    timer.setInterval(() => void p.publishSummaries(), config.summary_interval),
  ];
  return () => intervals.forEach((h) => timer.clearInterval(h));
}

/**
 * Stops taking messages and settles what was taken: commit, checkpoint, the last device
 * events, the unacknowledged alerts (bounded: a broker that never acks must not hang the
 * shutdown; what it did not ack stays in the outbox) and a last summary.
 */
async function stopIngest(
  c: CollectorCore,
  transport: MqttTransport,
  timer: IntervalTimer,
  publishSummaries: () => Promise<void>,
): Promise<void> {
  transport.stopIngest();
  c.flush();
  c.checkpoint();
  c.flushEvents();
  if (transport.connected) await Promise.race([c.drain(), elapsed(timer, 2000)]);
  c.flushAcked();
  await Promise.race([publishSummaries(), elapsed(timer, 1000)]);
}
