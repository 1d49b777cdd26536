// Restarts with the same SQLite file: `for` timers and firing alerts resume, nothing is
// notified twice or lost, dedupe marks survive, and an alert committed but never
// acknowledged by the broker is re-sent at the next start.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../collector/mqtt.ts';
import type { CollectorConfig } from '../../collector/config.ts';
import { metrics, testConfig } from './fixtures.ts';
import {
  publisher,
  publishMetrics,
  quietLog,
  sample,
  tmpDir,
  waitFor,
  watchAlerts,
} from './harness.ts';
import { published } from './published.ts';

let broker: EmbeddedBroker;
let pub: MqttClient;
let watch: Awaited<ReturnType<typeof watchAlerts>>;
let config: CollectorConfig;

beforeAll(async () => {
  broker = await startEmbeddedBroker('127.0.0.1', 0);
  pub = await publisher(broker.url);
  watch = await watchAlerts(broker.url);
  config = testConfig(join(tmpDir(), 'c.db'), {
    mqtt: { url: broker.url },
    // pending announced too, so a restart is checked against every kind of notification
    rules: { 'over-coupling': { for: { readings: 3, of: 5 }, notify_pending: true } },
  });
});
afterAll(async () => {
  await watch?.close();
  await pub?.endAsync();
  await broker?.close();
});

const start = () => startCollector(config, { logger: quietLog });
const send = (seq: number, value: number) =>
  publishMetrics(pub, metrics({ seq, t: (seq + 1) * 10_000, value }));

async function accepted(c: Collector, n: number): Promise<void> {
  await waitFor(async () => {
    const t = await (await fetch(`${c.httpUrl}/metrics`)).text();
    return (
      (sample(t, 'redband_ingest_accepted_total', { device: 'd1' }) ?? 0) +
        (sample(t, 'redband_ingest_duplicates_total', { device: 'd1' }) ?? 0) >=
      n
    );
  }, `${n} messages ingested`);
}

describe('restart with the same database', () => {
  it('resumes mid-pending and mid-firing without lost or repeated notifications', async () => {
    let c = await start();
    await send(0, 3.5);
    await waitFor(() => watch.alerts.length === 1, 'pending');
    await c.stop();

    // published while no collector runs: the broker keeps them in the collector's session
    await send(1, 3.5);
    c = await start();
    await accepted(c, 1);
    expect(c.core.device('f1', 'd1')?.state.rules['over-coupling']?.phase).toBe('pending');
    await send(2, 3.5);
    await waitFor(() => watch.alerts.length === 2, 'firing');
    await c.stop();

    c = await start();
    await send(2, 3.5); // a duplicate across the restart
    await send(3, 3.6);
    await accepted(c, 2);
    expect(await published(c), 'nothing re-notified after the restart').toBe(0);
    expect(watch.lines()).toEqual(['d1 over-coupling pending', 'd1 over-coupling firing']);
    // clear_for (3 clear readings in a row) counts across a restart
    await send(4, 2);
    await accepted(c, 3);
    await c.stop();
    c = await start();
    await send(5, 2);
    await send(6, 2);
    await waitFor(() => watch.alerts.length === 3, 'resolved');
    expect(await published(c), 'resolved, once').toBe(1);
    await c.stop();
    expect(watch.lines()).toEqual([
      'd1 over-coupling pending',
      'd1 over-coupling firing',
      'd1 over-coupling resolved',
    ]);
    const t = watch.alerts.map((a) => a.since);
    expect(new Set(t).size).toBe(1);
  });

  it('re-sends an alert committed but not acknowledged before a crash', async () => {
    // simulate the crash window: the outbox row exists but was never marked published
    const db = new Database(config.db.path);
    db.prepare('UPDATE alerts SET published = 0 WHERE id = (SELECT MAX(id) FROM alerts)').run();
    db.close();
    const n = watch.alerts.length;
    const c = await start();
    await waitFor(() => watch.alerts.length === n + 1, 're-sent alert');
    expect(watch.lines().at(-1)).toBe('d1 over-coupling resolved');
    await c.stop();
    const check = new Database(config.db.path, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM alerts WHERE published = 0').get()).toEqual({
      n: 0,
    });
    check.close();
  });
});
