// The MQTT sink on an embedded Aedes broker: a restarted agent replays its previous boot's
// unsent messages first, with their original boot and seq, then its own.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../../agent/sinks/mqtt/outbox.ts';
import { createMqttSink, type MqttSinkOptions } from '../../../agent/sinks/mqtt/sink.ts';
import { SqliteOutboxStore } from '../../../agent/sinks/mqtt/sqlite-store.ts';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';
import { aedesBroker, freePort, subscriber, tmpDir, waitFor } from '../harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const status = (boot: string, state: 'online' | 'offline') =>
  ({ fleet: 'f', device: 'd', boot, state }) as StatusMessage;
// The sink does not look inside a message beyond fleet/device: a stub is enough here.
const metrics = (boot: string, seq: number) =>
  ({ fleet: 'f', device: 'd', boot, seq }) as MetricsMessage;

function sink(url: string, dir: string, over: Partial<MqttSinkOptions> = {}) {
  return createMqttSink({
    url,
    fleet: 'f',
    device: 'd',
    outbox: new Outbox(new SqliteOutboxStore(dir), {
      maxMessages: 100,
      maxBytes: 1 << 20,
      maxAgeMs: 60_000,
    }),
    log: pino({ level: 'silent' }),
    maxInflight: 4,
    rate: 1000,
    burst: 1000,
    backoff: { initialMs: 50, maxMs: 200 },
    flushTimeoutMs: 2000,
    ...over,
  });
}

describe('mqtt sink', () => {
  it('replays the previous boot’s unsent messages first, in order, with their boot and seq', async () => {
    const dir = join(tmpDir(), 'outbox');
    // Boot A: the broker is unreachable (nothing listens on the port); messages stay on disk.
    const deadUrl = `mqtt://127.0.0.1:${await freePort()}`;
    const a = sink(deadUrl, dir, { flushTimeoutMs: 100 });
    await a.start(status('A', 'online'));
    for (let seq = 0; seq < 5; seq++) a.publishMetrics(metrics('A', seq));
    expect(a.stats()).toEqual({ outboxDepth: 5, outboxDropped: 0 });
    await a.stop(status('A', 'offline'));
    await a.stop(status('A', 'offline')); // idempotent

    // Boot B: a broker is there.
    const broker = await aedesBroker();
    cleanups.push(() => broker.close());
    await broker.start();
    const sub = await subscriber(broker.url, 'redband/v1/f/d/metrics', 'watch-restart');
    cleanups.push(() => sub.close());
    const b = sink(broker.url, dir);
    await b.start(status('B', 'online'));
    for (let seq = 0; seq < 3; seq++) b.publishMetrics(metrics('B', seq));
    await waitFor(() => sub.messages.length >= 8, 'all eight messages');
    expect(
      sub.messages
        .map((m) => JSON.parse(m.payload) as MetricsMessage)
        .map((m) => `${m.boot}${m.seq}`),
    ).toEqual(['A0', 'A1', 'A2', 'A3', 'A4', 'B0', 'B1', 'B2']);
    await waitFor(() => b.stats().outboxDepth === 0, 'the outbox to empty');
    await b.stop(status('B', 'offline'));
  });

  it('uses one stable client id per device', async () => {
    const { clientIdFor } = await import('../../../agent/sinks/mqtt/sink.ts');
    expect(clientIdFor('plant', 'pump-7')).toBe('redband-agent-plant-pump-7');
  });
});

describe('mqtt sink: commands', () => {
  it('hands a valid command for its device to onCommand, ignores others, and gets one sent while it was away', async () => {
    const { sendRebaseline } = await import('../../../cli/rebaseline-send.ts');
    const broker = await aedesBroker();
    cleanups.push(() => broker.close());
    await broker.start();
    const got: string[] = [];
    const dir = join(tmpDir(), 'outbox');
    const s = sink(broker.url, dir, { onCommand: (c) => got.push(c.reason) });
    await s.start(status('A', 'online'));
    const send = (device: string, reason: string) =>
      sendRebaseline(device, { fleet: 'f', broker: broker.url, reason, timeoutMs: 5000 });
    // subscribed once connected
    await waitFor(async () => {
      if (got.length === 0) await send('d', 'probe');
      return got.length > 0;
    }, 'the first command');
    got.length = 0;
    const raw = await mqtt.connectAsync(broker.url, { clientId: 'raw-sender' });
    cleanups.push(() => raw.endAsync(true));
    await raw.publishAsync('redband/v1/f/d/command', '{not json', { qos: 1 });
    const forOther = { schema: 'redband.command', version: 1, fleet: 'f', device: 'e' };
    const wrong = { ...forOther, command: 'rebaseline', reason: 'misrouted', issued_at: 1 };
    await raw.publishAsync('redband/v1/f/d/command', JSON.stringify(wrong), { qos: 1 });
    await send('d', 'alice accepts the new flow');
    await waitFor(() => got.length === 1, 'the command');
    expect(got).toEqual(['alice accepts the new flow']);

    // offline: the broker keeps the QoS 1 command in the agent's persistent session
    await s.stop(status('A', 'offline'));
    await send('d', 'sent while the agent was down');
    const again: string[] = [];
    const s2 = sink(broker.url, dir, { onCommand: (c) => again.push(c.reason) });
    await s2.start(status('B', 'online'));
    await waitFor(() => again.length === 1, 'the queued command');
    expect(again).toEqual(['sent while the agent was down']);
    await s2.stop(status('B', 'offline'));
  });
});
