// Resource bounds of the collector's ingest: a device flooding 100× its rate is rate-limited
// without slowing another device's alerts, and payloads over the size limit are rejected
// before parsing, counted by cause in /metrics.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from '../collector/fixtures.ts';
import { publisher, publishMetrics, quietLog, sample, watchAlerts } from '../collector/harness.ts';
import { tmpDir, waitFor } from '../support/brokers.ts';

const RATE = 10;
const BURST = 20;
const MAX_BYTES = 4096;
let collector: Collector;
let pub: MqttClient;
let flooder: MqttClient;
let watch: Awaited<ReturnType<typeof watchAlerts>>;

beforeAll(async () => {
  collector = await startCollector(
    testConfig(join(tmpDir('redband-bounds-'), 'c.db'), {
      ingest: { rate_per_s: RATE, burst: BURST, max_payload_bytes: MAX_BYTES },
    }),
    { logger: quietLog },
  );
  pub = await publisher(collector.brokerUrl);
  flooder = await publisher(collector.brokerUrl);
  watch = await watchAlerts(collector.brokerUrl);
});
afterAll(async () => {
  await watch?.close();
  await flooder?.endAsync();
  await pub?.endAsync();
  await collector?.stop();
});

const metricsText = async () => (await fetch(`${collector.httpUrl}/metrics`)).text();

/**
 * Sends three readings above the band (the default over-coupling rule fires on 3 of 5) and
 * returns the ms from the third reading's PUBACK to the alert's arrival at a subscriber.
 */
async function alertLatency(device: string): Promise<number> {
  for (let seq = 0; seq < 2; seq++)
    await publishMetrics(pub, metrics({ device, seq, t: (seq + 1) * 60_000, value: 9 }));
  await publishMetrics(pub, metrics({ device, seq: 2, t: 3 * 60_000, value: 9 }));
  const sent = performance.now();
  await waitFor(
    () => watch.alerts.some((a) => a.device === device && a.state === 'firing'),
    `${device} firing`,
    10_000,
    2,
  );
  return performance.now() - sent;
}

describe('rate limit under a flood', () => {
  it('a device sending 100× its rate is limited; another device’s alert is not delayed', async () => {
    const baseline = await alertLatency('calm-1');

    // 100 × 10/s = 1000 messages/s for 2 s, QoS 0 as fast as the flooder can pace them
    const FLOOD_S = 2;
    let sent = 0;
    let flooding = true;
    const started = performance.now();
    const flood = (async () => {
      while (flooding) {
        const due = Math.floor(((performance.now() - started) / 1000) * RATE * 100);
        for (; sent < due; sent++) {
          flooder.publish(
            deviceTopic('f1', 'flood', 'metrics'),
            JSON.stringify(metrics({ device: 'flood', seq: sent, t: (sent + 1) * 1000 })),
            { qos: 0 },
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 500)); // the flood is in full swing
    const during = await alertLatency('calm-2');
    await new Promise((r) =>
      setTimeout(r, Math.max(0, FLOOD_S * 1000 - (performance.now() - started))),
    );
    flooding = false;
    await flood;
    const elapsed = (performance.now() - started) / 1000;

    const text = await waitFor(async () => {
      const t = await metricsText();
      const acc = sample(t, 'redband_ingest_accepted_total', { device: 'flood' }) ?? 0;
      const rej =
        sample(t, 'redband_ingest_rejected_total', { device: 'flood', cause: 'rate-limited' }) ?? 0;
      return acc + rej >= sent * 0.95 && t;
    }, 'the flood counted');
    const accepted = sample(text, 'redband_ingest_accepted_total', { device: 'flood' })!;
    const limited = sample(text, 'redband_ingest_rejected_total', {
      device: 'flood',
      cause: 'rate-limited',
    })!;
    expect(sent).toBeGreaterThan(RATE * 100 * (FLOOD_S - 0.5));
    // the bucket: `burst` at once, then `rate` per second
    expect(accepted).toBeLessThanOrEqual(BURST + RATE * (elapsed + 1));
    expect(limited).toBeGreaterThanOrEqual(sent * 0.9);
    // the calm device's alert comes as fast as without the flood (generous margin for CI)
    expect(during, `baseline ${baseline.toFixed(0)} ms`).toBeLessThan(Math.max(500, baseline * 5));
    expect(
      sample(text, 'redband_ingest_accepted_total', { device: 'calm-2' }),
      'calm-2 not rate-limited',
    ).toBe(3);
    expect(
      sample(text, 'redband_ingest_rejected_total', { device: 'calm-2', cause: 'rate-limited' }),
    ).toBeUndefined();
  }, 30_000);
});

describe('payload size limit', () => {
  it('rejects payloads over the limit before parsing, counted as too-large', async () => {
    const oversized: [string, string][] = [
      // not JSON at all: were it parsed first, it would count as not-json
      ['big-1', `{"schema": "redband.metrics", ${'x'.repeat(MAX_BYTES)}`],
      // valid metrics padded past the limit
      [
        'big-2',
        JSON.stringify({ ...metrics({ device: 'big-2' }), drift_note: 'n'.repeat(MAX_BYTES) }),
      ],
      // 1 MiB of opening brackets: would be deep nesting if parsed
      ['big-3', '['.repeat(1 << 20)],
      // exactly one byte over
      ['big-4', ' '.repeat(MAX_BYTES + 1)],
    ];
    for (const [device, payload] of oversized)
      await pub.publishAsync(deviceTopic('f1', device, 'metrics'), payload, { qos: 1 });
    // at the limit exactly: parsed (and rejected for what it is, not its size)
    const atLimit = JSON.stringify(metrics({ device: 'edge' }));
    await pub.publishAsync(
      deviceTopic('f1', 'edge', 'metrics'),
      atLimit + ' '.repeat(MAX_BYTES - Buffer.byteLength(atLimit)),
      { qos: 1 },
    );
    const text = await waitFor(async () => {
      const t = await metricsText();
      return sample(t, 'redband_ingest_accepted_total', { device: 'edge' }) === 1 &&
        sample(t, 'redband_ingest_rejected_total', { device: 'big-4', cause: 'too-large' }) === 1
        ? t
        : false;
    }, 'size rejections counted');
    for (const [device] of oversized) {
      expect(
        sample(text, 'redband_ingest_rejected_total', { device, cause: 'too-large' }),
        device,
      ).toBe(1);
      expect(text).not.toMatch(new RegExp(`device="${device}",cause="not-json"`));
    }
  });
});
