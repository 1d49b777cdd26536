// Against a real broker: the embedded Aedes, on an ephemeral port.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttSource } from '../../../agent/sources/mqtt/index.ts';
import type { Sample } from '../../../agent/sources/types.ts';

let broker: Aedes;
let server: Server;
let url: string;

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('mqtt source (Aedes broker)', () => {
  it('turns messages into samples and survives malformed ones', async () => {
    const warnings: string[] = [];
    const src = createMqttSource(
      { url, topic: 'sensors/+/raw', channels: ['x', 'y', 'z'], qos: 1 },
      { clock: { now: () => 777 }, log: { warn: (m) => warnings.push(m) } },
    );
    const got: Sample[] = [];
    let subscribed = false;
    broker.on('subscribe', (subs) => {
      if (subs.some((s) => s.topic === 'sensors/+/raw')) subscribed = true;
    });
    const sub = src.samples().subscribe((s) => got.push(s));
    await until(() => subscribed, 'the source to subscribe');
    expect(src.stats().connected).toBe(true);

    const pub: MqttClient = await connectAsync(url);
    const payloads = [
      '{"t":1,"values":{"x":1,"y":2,"z":3}}',
      'garbage',
      '{"t":2,"values":[4,5]}',
      '{"values":{"x":"bad"}}',
      'more garbage',
      '{"t":3,"values":{"z":9,"w":0}}',
      Buffer.from([0xff, 0xfe, 0x00]),
    ];
    for (const p of payloads) await pub.publishAsync('sensors/dev1/raw', p, { qos: 1 });
    await pub.publishAsync('sensors/dev1/other', '{"values":[1]}', { qos: 1 });
    await pub.publishAsync('sensors/dev2/raw', '{"values":[7,8,9]}', { qos: 1 });
    await until(() => got.length === 4, 'four samples');
    await pub.endAsync();
    sub.unsubscribe();

    expect(got.map((s) => [s.t, ...s.values])).toEqual([
      [1, 1, 2, 3],
      [2, 4, 5, NaN],
      [3, NaN, NaN, 9],
      [777, 7, 8, 9],
    ]);
    expect(src.stats()).toMatchObject({
      samples: 4,
      malformed: 4,
      missing: 3,
      messages: 8,
      malformed_by_cause: { 'not-json': 3, 'bad-value': 1 },
    });
    // logged once per cause
    expect(warnings.filter((w) => /not valid JSON/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /values\.x/.test(w))).toHaveLength(1);
    await until(() => src.stats().connected === false, 'disconnect');
  });

  it('keeps retrying, without erroring, while the broker is unreachable', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const warnings: string[] = [];
    const src = createMqttSource(
      { url: `mqtt://127.0.0.1:${port}`, topic: 't', channels: ['v'], reconnect_ms: 100 },
      { log: { warn: (m) => warnings.push(m) } },
    );
    let failed = false;
    const sub = src.samples().subscribe({ error: () => (failed = true) });
    await until(() => src.stats().reconnects >= 2, 'reconnect attempts');
    sub.unsubscribe();
    expect(failed).toBe(false);
    expect(src.stats().connected).toBe(false);
    expect(warnings.length).toBeLessThanOrEqual(1);
  });
});
