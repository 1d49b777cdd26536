// Real parts for the agent's integration tests: the repository's paths, the CLI as a child
// process, brokers (mosquitto as a child process, Aedes in-process) that can be stopped and
// started again on the same port, and a persistent-session subscriber.
import { createServer, type Server, type Socket } from 'node:net';
import { freePort, tmpDir as supportTmpDir } from '../support/brokers.ts';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { skabLikeFile } from '../support/skab-like.ts';

import { persistentMosquitto, REPO } from '../support/processes.ts';

export { REPO };
export const SKAB_MODEL = join(REPO, 'models', 'skab-pump.onnx');
/**
 * SKAB-shaped files written by the tests (test/support/skab-like.ts), for the tests whose
 * subject is not the SKAB data set: valve1/1.csv's 1,145 rows and labelled episode, and
 * anomaly-free.csv's 9,405 healthy rows. The real files: test/support/datasets.ts.
 */
export const SKAB_LIKE_VALVE1 = skabLikeFile('valve1/1.csv');
export const SKAB_LIKE_FREE = skabLikeFile('anomaly-free/anomaly-free.csv');

export const tmpDir = (): string => supportTmpDir('redband-agent-');

/** Shared with the other integration tests. */
export { freePort, sleep, waitFor } from '../support/brokers.ts';

export { runNode, type CliRun } from '../support/processes.ts';

/** A broker that can be taken away and brought back on the same port. */
export interface TestBroker {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * mosquitto with on-disk persistence (the subscriber's session survives a restart), stopped
 * with SIGTERM and started again on the same port.
 */
export async function mosquittoBroker(): Promise<TestBroker> {
  const m = await persistentMosquitto();
  return { url: m.url, start: () => m.start(), stop: () => m.kill('SIGTERM') };
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
