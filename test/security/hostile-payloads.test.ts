// Hostile payloads inside the size limit must cost a counter, never the collector. A JSON
// value nested ~10,000 levels deep is 20 KB — under the default 64 KiB limit — and reaches the
// decoders through any client the ACL lets publish on a metrics or status topic.
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { deviceTopic } from '../../shared/schema/index.ts';
import { metrics, testConfig } from '../collector/fixtures.ts';
import { getJson, publisher, publishMetrics, quietLog, sample } from '../collector/harness.ts';
import { tmpDir, waitFor } from '../support/brokers.ts';

let collector: Collector;
let pub: MqttClient;
const uncaught: Error[] = [];
const onUncaught = (e: Error) => uncaught.push(e);

beforeAll(async () => {
  // an exception thrown in the collector's setImmediate flush would otherwise end the worker
  process.on('uncaughtException', onUncaught);
  collector = await startCollector(testConfig(join(tmpDir('redband-hostile-'), 'c.db')), {
    logger: quietLog,
  });
  pub = await publisher(collector.brokerUrl);
});
afterAll(async () => {
  await pub?.endAsync();
  await collector?.stop();
  process.off('uncaughtException', onUncaught);
});

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('deeply nested payloads under the size limit', () => {
  it.each([
    ['metrics', 'schema'],
    ['metrics', 'version'],
    ['status', 'schema'],
  ] as const)(
    '%s with a 10,000-deep %s is rejected and counted; ingest goes on',
    async (kind, field) => {
      const device = `deep-${kind}-${field}`;
      const payload =
        field === 'schema'
          ? `{"schema":${deep(10_000)}}`
          : `{"schema":"redband.${kind}","version":${deep(10_000)}}`;
      expect(Buffer.byteLength(payload)).toBeLessThan(64 * 1024);
      await pub.publishAsync(deviceTopic('f1', device, kind), payload, { qos: 1 });
      // a good message of another device right behind it (possibly in the same batch)
      await publishMetrics(pub, metrics({ device: `${device}-ok`, seq: 0 }));
      const text = await waitFor(
        async () => {
          const t = await (await fetch(`${collector.httpUrl}/metrics`)).text();
          return (
            sample(t, 'redband_ingest_accepted_total', { device: `${device}-ok` }) === 1 &&
            (sample(t, 'redband_ingest_rejected_total', { device }) ?? 0) >= 1 &&
            t
          );
        },
        `${device} rejected and ${device}-ok accepted`,
        5000,
      ).catch((e: Error) => {
        throw new Error(
          `${e.message}; uncaught in the collector: ${uncaught.map((u) => u.message).join(', ') || 'none'}`,
        );
      });
      expect(uncaught.map((e) => e.message)).toEqual([]);
      expect(text).toMatch(new RegExp(`redband_ingest_rejected_total\\{[^}]*device="${device}"`));
      const { body } = await getJson<{ devices: { device: string }[] }>(
        `${collector.httpUrl}/api/fleet`,
      );
      expect(body.devices.map((d) => d.device)).toContain(`${device}-ok`);
    },
  );
});
