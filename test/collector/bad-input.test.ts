// Hostile and broken input: each is rejected and counted per device and cause in /metrics,
// the collector keeps running, and another device's state is untouched.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from './fixtures.ts';
import {
  getJson,
  publisher,
  publishMetrics,
  quietLog,
  sample,
  tmpDir,
  waitFor,
} from './harness.ts';

const MAX_BYTES = 4096;
let collector: Collector;
let pub: MqttClient;

beforeAll(async () => {
  collector = await startCollector(
    testConfig(join(tmpDir(), 'c.db'), {
      ingest: { max_payload_bytes: MAX_BYTES, rate_per_s: 1, burst: 20 },
    }),
    { logger: quietLog },
  );
  pub = await publisher(collector.brokerUrl);
});
afterAll(async () => {
  await pub?.endAsync();
  await collector?.stop();
});

const good = JSON.stringify(metrics({ device: 'd1', seq: 1 }));
const table: { cause: string; payload: string; topic?: string }[] = [
  { cause: 'not-json', payload: '{"schema": "redband.metrics", ' },
  {
    cause: 'too-large',
    payload: JSON.stringify({ ...metrics(), drift_note: 'x'.repeat(MAX_BYTES) }),
  },
  { cause: 'wrong-schema', payload: JSON.stringify({ ...metrics(), schema: 'other.thing' }) },
  { cause: 'wrong-version', payload: JSON.stringify({ ...metrics(), version: 2 }) },
  { cause: 'invalid', payload: JSON.stringify({ ...metrics(), seq: -1 }) },
  { cause: 'non-finite', payload: good.replace('"drift":0.1', '"drift":NaN') },
  { cause: 'non-finite', payload: good.replace('"drift":0.1', '"drift":1e999') },
  { cause: 'topic-mismatch', payload: JSON.stringify(metrics({ device: 'd9' })) },
  { cause: 'topic-mismatch', payload: JSON.stringify(metrics({ fleet: 'other' })) },
];

describe('bad input', () => {
  it('rejects each cause, counts it per device, and leaves other devices alone', async () => {
    await publishMetrics(pub, metrics({ device: 'd2', seq: 0, value: 2.5 }));
    const before = await waitFor(async () => {
      const { body } = await getJson<{ devices: { device: string }[] }>(
        `${collector.httpUrl}/api/fleet`,
      );
      return body.devices.find((d) => d.device === 'd2');
    }, 'd2 accepted');

    for (const row of table)
      await pub.publishAsync(deviceTopic('f1', 'd1', 'metrics'), row.payload, { qos: 1 });
    // a flood from one device: the bucket holds 20, refills at 1/s
    for (let seq = 0; seq < 40; seq++)
      await publishMetrics(pub, metrics({ device: 'flood', seq, t: seq * 1000 }));

    const text = await waitFor(async () => {
      const t = await (await fetch(`${collector.httpUrl}/metrics`)).text();
      return (
        (sample(t, 'redband_ingest_rejected_total', { device: 'flood', cause: 'rate-limited' }) ??
          0) >= 19 && t
      );
    }, 'rate limiting counted');
    const expected = new Map<string, number>();
    for (const r of table) expected.set(r.cause, (expected.get(r.cause) ?? 0) + 1);
    for (const [cause, n] of expected) {
      expect(
        sample(text, 'redband_ingest_rejected_total', { fleet: 'f1', device: 'd1', cause }),
        cause,
      ).toBe(n);
    }
    expect(sample(text, 'redband_ingest_accepted_total', { device: 'd1' })).toBeUndefined();
    expect(sample(text, 'redband_ingest_accepted_total', { device: 'flood' })).toBeLessThanOrEqual(
      21,
    );

    const { body } = await getJson<{ devices: { device: string }[] }>(
      `${collector.httpUrl}/api/fleet`,
    );
    expect(body.devices.find((d) => d.device === 'd2')).toEqual(before);
    expect(body.devices.find((d) => d.device === 'd1')).toBeUndefined();
    expect(body.devices.find((d) => d.device === 'd9')).toBeUndefined();
  });
});
