// Group commit never acknowledges what it has not committed: the collector's PUBACKs for a
// batch reach the broker only after the batch's transaction, and a batch whose commit fails
// is left unacknowledged, redelivered by the broker and committed once the store is
// writable again. The broker is a real Aedes, watched through its `ack` event.
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { metrics, testConfig } from './fixtures.ts';
import { publishMetrics, quietLog, tmpDir, waitFor } from './harness.ts';

interface Ack {
  seq: number;
  /** history rows of the device when the broker saw the PUBACK */
  rowsThen: number;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(batchWindow: string) {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  cleanup.push(async () => {
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });
  const collector: Collector = await startCollector(
    testConfig(join(tmpDir(), 'c.db'), {
      mqtt: { url, client_id: 'acks-test-collector' },
      ingest: { rate_per_s: 1000, burst: 1000, batch_window: batchWindow },
    }),
    { logger: quietLog },
  );
  cleanup.push(() => collector.stop());
  const rows = () => collector.core.store.history('f1', 'd1', 100).length;
  const acks: Ack[] = [];
  let drops = 0;
  broker.on('ack', (packet, client) => {
    if (client.id !== 'acks-test-collector' || !('topic' in packet)) return;
    const m = JSON.parse(packet.payload.toString()) as { seq: number };
    acks.push({ seq: m.seq, rowsThen: rows() });
  });
  broker.on('clientDisconnect', (client) => {
    if (client.id === 'acks-test-collector') drops++;
  });
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  cleanup.push(() => pub.endAsync());
  return { collector, rows, acks, drops: () => drops, pub };
}

describe('collector acknowledgements under group commit', () => {
  it('PUBACKs reach the broker only after their batch committed', async () => {
    const { rows, acks, pub } = await setup('300ms');
    for (let seq = 0; seq < 3; seq++)
      await publishMetrics(pub, metrics({ seq, t: (seq + 1) * 10_000 }));
    await waitFor(() => acks.length === 3, 'three acknowledgements');
    // every ack saw its own row (and the batch's others) already committed
    expect(acks).toEqual([
      { seq: 0, rowsThen: 3 },
      { seq: 1, rowsThen: 3 },
      { seq: 2, rowsThen: 3 },
    ]);
    expect(rows()).toBe(3);
  });

  it('a failed commit leaves the batch unacknowledged; the broker redelivers it, committed once', async () => {
    const { collector, rows, acks, drops, pub } = await setup('50ms');
    await publishMetrics(pub, metrics({ seq: 0, t: 10_000 }));
    await waitFor(() => acks.length === 1, 'the first acknowledgement');
    // writes now fail (SQLITE_READONLY): the next batch cannot commit
    collector.core.store.db.pragma('query_only = ON');
    await publishMetrics(pub, metrics({ seq: 1, t: 20_000 }));
    await waitFor(() => drops() >= 1, 'the collector to drop its connection');
    expect(acks.map((a) => a.seq)).toEqual([0]);
    expect(rows()).toBe(1);
    collector.core.store.db.pragma('query_only = OFF');
    // mqtt.js reconnects (1 s) on the same persistent session; Aedes redelivers seq 1
    await waitFor(() => acks.length === 2, 'the redelivered message acknowledged', 15_000);
    expect(acks[1]).toEqual({ seq: 1, rowsThen: 2 });
    expect(collector.core.store.history('f1', 'd1', 10).map((p) => p.seq)).toEqual([0, 1]);
  });
});
