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
import { UserError } from '../shared/errors.ts';
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserError(
              `MQTT port ${host}:${port} is in use; pass --mqtt-port or --broker URL`,
              'port',
            )
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
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

export class MqttTransport {
  private client: MqttClient | null = null;
  /** false while stopping: messages are left unacknowledged so the broker redelivers them */
  private ingesting = false;
  /** the connection corked since the first message of the batch being gathered */
  private held: Duplex | null = null;

  constructor(
    private readonly config: CollectorConfig,
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /**
   * @param holdAcks group commit: from a batch's first message until releaseAcks() the
   * connection is corked, so the PUBACKs mqtt.js writes as it hands each message over wait in
   * the socket's buffer. Released after the commit they go out together, one write for the
   * batch (one write per PUBACK was an eighth of the main thread at 25,000 msg/s);
   * dropped after a failed commit, the broker redelivers the whole batch.
   */
  async connect(onMessage: (m: IncomingMessage) => void, holdAcks = false): Promise<void> {
    const c = this.config.mqtt;
    // A persistent session may deliver queued messages right after CONNACK: accept from the start.
    this.ingesting = true;
    // mqtt.connect, not connectAsync: handleMessage must be in place before CONNACK, since a
    // broker delivers a persistent session's queued messages right behind it, in the same read;
    // mqtt.js's default handler would acknowledge them unseen (lost across a collector crash).
    const client = mqtt.connect(this.url, {
      clientId: c.client_id ?? defaultClientId(this.config.db.path),
      protocolVersion: c.protocol_version,
      clean: c.clean_session,
      username: c.username,
      password: c.password,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...(c.protocol_version === 5 && !c.clean_session
        ? { properties: { sessionExpiryInterval: 3600 } }
        : {}),
    });
    client.on('error', (e) => this.log.warn({ err: e.message }, 'mqtt error'));
    client.on('offline', () => this.log.warn('mqtt offline; reconnecting'));
    client.on('reconnect', () => this.log.info('mqtt reconnecting'));
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
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        client.off('connect', onConnect);
        client.off('error', onError);
        if (err) {
          client.end(true);
          reject(err);
        } else resolve();
      };
      const onConnect = (): void => done();
      const onError = (e: Error): void => done(e);
      client.on('connect', onConnect);
      client.on('error', onError);
    });
    this.client = client;
  }

  /** Subscribes: from here on messages flow into the core. */
  async subscribe(): Promise<void> {
    if (!this.client) throw new Error('not connected');
    const filters = subscriptionFilters(this.config);
    const granted = await this.client.subscribeAsync(filters, { qos: 1 });
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
    if (!this.client) return;
    await this.client.publishAsync(fleetSummaryTopic(s.fleet), JSON.stringify(s), {
      qos: 1,
      retain: true,
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    // force: do not wait for in-flight incoming messages; unacknowledged ones are redelivered.
    if (c) await c.endAsync(true);
  }
}
