// The MQTT sink's waits — reconnect backoff, outbox pacing, rate-limited outbox log lines —
// on virtual time: each is stepped past, none is slept through. The broker and the outbox
// file are real.
import { join } from 'node:path';
import type { IClientOptions, MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../../agent/sinks/mqtt/outbox.ts';
import { createOutboxLog } from '../../../agent/sinks/mqtt/outbox-log.ts';
import { createMqttSink, type MqttSinkOptions } from '../../../agent/sinks/mqtt/sink.ts';
import { SqliteOutboxStore } from '../../../agent/sinks/mqtt/sqlite-store.ts';
import type { MetricsMessage } from '../../../shared/schema/metrics.ts';
import type { StatusMessage } from '../../../shared/schema/status.ts';
import { VirtualTime } from '../../support/virtual-time.ts';
import { aedesBroker, freePort, tmpDir, waitFor } from '../harness.ts';
import { FillableStore } from './fillable-store.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const status = (state: 'online' | 'offline') =>
  ({ fleet: 'f', device: 'd', boot: 'b', state }) as StatusMessage;
const metrics = (seq: number) => ({ fleet: 'f', device: 'd', boot: 'b', seq }) as MetricsMessage;
const roomy = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 };

function captureLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, said: (prefix: string) => lines.filter((l) => l.msg.startsWith(prefix)).length };
}

function sink(vt: VirtualTime, over: Partial<MqttSinkOptions> & { url: string }) {
  return createMqttSink({
    fleet: 'f',
    device: 'd',
    outbox: new Outbox(new SqliteOutboxStore(join(tmpDir(), 'outbox')), roomy, vt),
    log: pino({ level: 'silent' }),
    maxInflight: 4,
    rate: 1000,
    burst: 1000,
    backoff: { initialMs: 1000, maxMs: 8000 },
    flushTimeoutMs: 2000,
    clock: vt,
    timer: vt,
    ...over,
  });
}

describe('mqtt sink on virtual time', () => {
  it('reconnects only when the backoff has elapsed', async () => {
    const vt = new VirtualTime(1_000_000);
    const url = `mqtt://127.0.0.1:${await freePort()}`; // nothing listens: refused at once
    let attempts = 0;
    const connect = (u: string, o: IClientOptions): MqttClient => (attempts++, mqtt.connect(u, o));
    const s = sink(vt, { url, connect });
    await s.start(status('online'));
    await waitFor(() => attempts === 1 && vt.size === 1, 'the refused attempt and its backoff');
    // The first delay is d/2 + U(0, d/2) of initialMs = 1000: at least 500, at most 1000 ms.
    vt.advance(499);
    expect(attempts).toBe(1);
    vt.advance(501);
    expect(attempts).toBe(2);
    await s.stop(status('offline'));
    expect(vt.size).toBe(0);
  });

  it('paces the outbox at its rate: the next message waits for its token', async () => {
    const broker = await aedesBroker();
    cleanups.push(() => broker.close());
    await broker.start();
    const vt = new VirtualTime(1_000_000);
    const s = sink(vt, { url: broker.url, rate: 1, burst: 1 });
    const sent = () => broker.accepted.filter((d) => d.topic.endsWith('/metrics')).length;
    await s.start(status('online'));
    for (let seq = 0; seq < 3; seq++) s.publishMetrics(metrics(seq));
    await waitFor(() => sent() === 1 && vt.size === 1, 'the first message and a rate wait');
    vt.advance(999);
    expect(sent()).toBe(1);
    vt.advance(1);
    await waitFor(() => sent() === 2, 'the second message, a token later');
    vt.advance(1000);
    await waitFor(() => sent() === 3 && s.stats().outboxDepth === 0, 'the third, acknowledged');
    await s.stop(status('offline'));
  });
});

describe('outbox log lines', () => {
  it('a refusing disk: an error when it starts, a reminder once per period, info when it ends', () => {
    const vt = new VirtualTime(0);
    const store = new FillableStore(join(tmpDir(), 'outbox'));
    const outbox = new Outbox(store, roomy, vt);
    const { log, said } = captureLog();
    const report = createOutboxLog(outbox, log, vt, 60_000).report;
    store.full = true;
    const tick = (ms: number) => (vt.advance(ms), outbox.append('t', 'x'), report());
    tick(0);
    expect(said('outbox: the disk refuses writes')).toBe(1);
    tick(59_999);
    expect(said('outbox: the disk still refuses writes')).toBe(0);
    tick(1);
    tick(30_000);
    expect(said('outbox: the disk still refuses writes')).toBe(1);
    store.full = false;
    tick(1000);
    expect(said('outbox: the disk takes writes again')).toBe(1);
    // a new episode starts its own period
    store.full = true;
    tick(1000);
    tick(59_999);
    expect([said('outbox: the disk refuses writes'), said('outbox: the disk still')]).toEqual([
      2, 1,
    ]);
    outbox.close();
  });

  it('drops: logged at once, then at most once per period', () => {
    const vt = new VirtualTime(0);
    const outbox = new Outbox(new SqliteOutboxStore(join(tmpDir(), 'outbox')), {
      ...roomy,
      maxMessages: 1,
    });
    const { log, said } = captureLog();
    const report = createOutboxLog(outbox, log, vt, 60_000).report;
    const append = (ms: number) => (vt.advance(ms), outbox.append('t', 'x'), report());
    append(0); // fits
    append(1); // drops the first
    expect(said('outbox: dropped the oldest')).toBe(1);
    append(59_999); // 1 ms short of the period
    expect(said('outbox: dropped the oldest')).toBe(1);
    append(1); // a period after the first line
    expect(said('outbox: dropped the oldest')).toBe(2);
    outbox.close();
  });
});
