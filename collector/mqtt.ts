// MQTT transport: the embedded Aedes broker (no URL configured) and the client that feeds the
// core. A message the broker considers delivered is already committed to SQLite: per-message
// commits ingest before the PUBACK; group commits hold the PUBACKs back (holdAcks) until the
// batch's transaction has committed.
import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  collectorSubscriptions,
  deviceTopic,
  fleetSummaryTopic,
  type AlertMessage,
} from '../shared/schema/index.ts';
import { Backoff } from '../shared/backoff.ts';
import { systemTimer, type Timer } from '../shared/clock.ts';
import { UserError } from '../shared/errors.ts';
import type { MqttSecurityOptions } from '../shared/mqtt-credentials.ts';
import type { CollectorConfig } from './config.ts';
import type { IncomingMessage } from './core.ts';
import type { FleetSummary } from './summary.ts';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL'
            ? new UserError(
                `embedded MQTT broker: cannot listen on ${host}:${port} (${e.code === 'EADDRINUSE' ? 'port in use' : e.code}); pass --mqtt-port N (embedded_broker.port) or --broker URL`,
                'port',
              )
            : e,
        ),
      );
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    // Aedes keeps timers of its own: left open, they kept the process alive after the error
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  const actual = (server.address() as { port: number }).port;
  let closed = false;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A client id stable across restarts of one collector (same DB) so the broker keeps its session. */
export function defaultClientId(dbPath: string): string {
  const h = createHash('sha256').update(`${hostname()}:${dbPath}`).digest('hex').slice(0, 12);
  return `redband-collector-${h}`;
}

export function subscriptionFilters(config: CollectorConfig): string[] {
  const group = config.mqtt.shared_subscription_group;
  return collectorSubscriptions(config.fleet).map((f) => (group ? `$share/${group}/${f}` : f));
}

/** Reconnect delays to the broker (equal jitter): 1 s, 2 s, 4 s … up to 15 s. */
export const RECONNECT_BACKOFF = { initialMs: 1000, maxMs: 15_000 } as const;

/** The URL without its password, for logs and /readyz. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * What went wrong, in a few words: the errno code of a socket error (ECONNREFUSED), else
 * the message, with the code of a TLS error ("self-signed certificate in certificate chain
 * (SELF_SIGNED_CERT_IN_CHAIN)") or the broker's refusal ("Connection refused: Not authorized").
 */
function describeError(e: Error | null): string {
  if (e === null) return 'connection closed';
  const { code, syscall } = e as NodeJS.ErrnoException;
  if (typeof code !== 'string') return e.message;
  return syscall !== undefined ? code : `${e.message} (${code})`;
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

/**
 * The MQTT client that feeds the core. It never gives up on the broker: a failed or lost
 * connection is retried with backoff and jitter (shared/backoff.ts, as the agent does), one
 * log line per try, and `onState` says why messages do not flow (null once subscribed).
 */
export class MqttTransport {
  private client: MqttClient | null = null;
  /** false while stopping: messages are left unacknowledged so the broker redelivers them */
  private ingesting = false;
  /** the connection corked since the first message of the batch being gathered */
  private held: Duplex | null = null;
  private closing = false;
  private retryTimer: unknown = null;
  private readonly backoff = new Backoff(RECONNECT_BACKOFF);
  private subscribedOnce = false;

  constructor(
    private readonly config: CollectorConfig,
    private readonly url: string,
    private readonly log: Logger,
    /** username, password, TLS files and checking (shared/mqtt-credentials.ts) */
    private readonly security: MqttSecurityOptions = {},
    /** the reconnect backoff waits on it */
    private readonly timer: Timer = systemTimer,
  ) {}

  /** connected to the broker and subscribed */
  get connected(): boolean {
    return this.subscribedOnce && this.client?.connected === true;
  }

  /**
   * Connects and subscribes in the background, for as long as it takes. The promise resolves
   * at the first subscription and rejects only when the broker refuses it (a configuration
   * error); an unreachable broker is waited for.
   *
   * @param holdAcks group commit: from a batch's first message until releaseAcks() the
   * connection is corked, so the PUBACKs mqtt.js writes as it hands each message over wait in
   * the socket's buffer. Released after the commit they go out together, one write for the
   * batch (one write per PUBACK is a syscall per message, a real share of the main thread
   * at fleet rates);
   * dropped after a failed commit, the broker redelivers the whole batch.
   * @param onState null: subscribed, messages flow; else why not (for /readyz)
   */
  start(
    onMessage: (m: IncomingMessage) => void,
    holdAcks: boolean,
    onState: (notReady: string | null) => void,
  ): Promise<void> {
    const c = this.config.mqtt;
    const shown = displayUrl(this.url);
    // A persistent session may deliver queued messages right after CONNACK: accept from the start.
    this.ingesting = true;
    // mqtt.connect, not connectAsync: handleMessage must be in place before CONNACK, since a
    // broker delivers a persistent session's queued messages right behind it, in the same read;
    // mqtt.js's default handler would acknowledge them unseen (lost across a collector crash).
    // reconnectPeriod 0: reconnects are ours, with backoff (mqtt.js retries at a fixed period).
    const client = mqtt.connect(this.url, {
      clientId: c.client_id ?? defaultClientId(this.config.db.path),
      protocolVersion: c.protocol_version,
      clean: c.clean_session,
      ...this.security,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...(c.protocol_version === 5 && !c.clean_session
        ? { properties: { sessionExpiryInterval: 3600 } }
        : {}),
    });
    this.client = client;
    onState(`connecting to the broker at ${shown}`);
    let lastError: Error | null = null;
    let wasConnected = false;
    let resolveSubscribed!: () => void;
    let rejectSubscribed!: (e: Error) => void;
    const subscribed = new Promise<void>((res, rej) => {
      resolveSubscribed = res;
      rejectSubscribed = rej;
    });
    client.on('error', (e) => (lastError = e));
    client.on('close', () => {
      if (this.closing || this.retryTimer !== null) return;
      const delay = this.backoff.next();
      const why = `${wasConnected ? 'lost the broker' : 'waiting for the broker'} at ${shown}: ${describeError(lastError)}, next try in ${formatDelay(delay)}`;
      wasConnected = false;
      lastError = null;
      onState(why);
      this.log.warn({ broker: shown, retry_in_ms: Math.round(delay) }, why);
      this.retryTimer = this.timer.setTimeout(() => {
        this.retryTimer = null;
        if (this.closing) return;
        // keep the stores: QoS 1 publishes (alerts) not yet acknowledged are sent again
        client.reconnect({
          incomingStore: client.incomingStore,
          outgoingStore: client.outgoingStore,
        });
      }, delay);
    });
    client.on('connect', (connack) => {
      wasConnected = true;
      this.backoff.reset();
      this.log.info({ broker: shown, session_present: connack.sessionPresent }, 'mqtt connected');
      // mqtt.js resubscribes only with its own reconnects; a session the broker kept has them
      const needed = !this.subscribedOnce || c.clean_session || !connack.sessionPresent;
      const ready = needed ? this.subscribe(client) : Promise.resolve();
      ready.then(
        () => {
          if (this.closing || !client.connected) return;
          this.subscribedOnce = true;
          onState(null);
          resolveSubscribed();
        },
        (e: Error) => {
          if (this.closing) return;
          if (e instanceof UserError) {
            onState(e.message);
            rejectSubscribed(e);
          } else lastError = e; // the connection dropped meanwhile: 'close' retries
        },
      );
    });
    client.handleMessage = (packet, done) => {
      // An error skips the PUBACK (mqtt.js then moves on to the next packet): the broker
      // keeps the message for redelivery instead of it being acknowledged and lost.
      if (!this.ingesting) return done(new Error('collector stopping'));
      if (holdAcks && this.held === null) {
        // Node's cork nests: mqtt-packet's own per-packet cork/uncork cannot flush it
        this.held = client.stream;
        this.held.cork();
      }
      try {
        const payload =
          typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        onMessage({ topic: packet.topic, payload });
      } catch (e) {
        // A failing commit (disk full, I/O error): do not acknowledge; never crash the loop.
        this.log.error({ err: (e as Error).message, topic: packet.topic }, 'ingest failed');
        return done(e as Error);
      }
      done();
    };
    return subscribed;
  }

  /** Subscribes: from here on messages flow into the core. */
  private async subscribe(client: MqttClient): Promise<void> {
    const filters = subscriptionFilters(this.config);
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    for (const g of granted) {
      if (g.qos > 2)
        throw new UserError(`broker refused subscription ${g.topic} (code ${g.qos})`, 'mqtt');
    }
    this.log.info({ filters }, 'subscribed');
  }

  /**
   * Ends holding back the batch's acknowledgements: committed, they are sent (with whatever
   * else was written meanwhile); not committed, the connection is dropped with them unsent,
   * and the broker redelivers the batch once mqtt.js has reconnected.
   */
  releaseAcks(committed: boolean): void {
    const s = this.held;
    this.held = null;
    if (!s) return;
    if (committed) s.uncork();
    else s.destroy(new Error('batch not committed: its messages are left unacknowledged'));
  }

  /**
   * Stops taking messages (producer side first at shutdown). The subscription stays in the
   * broker's session so messages published while the collector is down are queued for it.
   */
  stopIngest(): void {
    this.ingesting = false;
  }

  async publishAlert(a: AlertMessage): Promise<void> {
    if (!this.client) throw new Error('not connected');
    await this.client.publishAsync(deviceTopic(a.fleet, a.device, 'alerts'), JSON.stringify(a), {
      qos: 1,
    });
  }

  async publishSummary(s: FleetSummary): Promise<void> {
    // retained and sent again every summary_interval: none is queued while the broker is away
    if (!this.client?.connected) return;
    await this.client.publishAsync(fleetSummaryTopic(s.fleet), JSON.stringify(s), {
      qos: 1,
      retain: true,
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer !== null) this.timer.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const c = this.client;
    this.client = null;
    // force: do not wait for in-flight incoming messages; unacknowledged ones are redelivered.
    if (c) await c.endAsync(true);
  }
}
