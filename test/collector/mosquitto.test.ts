// Against a real mosquitto (CI installs it): MQTT 3.1.1 and 5 clients, and two collectors in
// one shared-subscription group splitting a fleet without double alerts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { metrics, testConfig } from './fixtures.ts';
import {
  mosquittoAvailable,
  publisher,
  publishMetrics,
  quietLog,
  sample,
  startMosquitto,
  tmpDir,
  waitFor,
  watchAlerts,
  type Mosquitto,
} from './harness.ts';
import { published } from './published.ts';

let broker: Mosquitto;

beforeAll(async () => {
  if (!mosquittoAvailable()) {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients');
  }
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});

describe('collector on mosquitto', () => {
  it.each([4, 5] as const)('ingests and alerts over MQTT protocol version %i', async (v) => {
    const c = await startCollector(
      testConfig(join(tmpDir(), 'c.db'), {
        mqtt: { url: broker.url, protocol_version: v, client_id: `single-v${v}` },
        fleet: `fleet${v}`,
        rules: { 'over-coupling': { for: 0 } },
      }),
      { logger: quietLog },
    );
    const watch = await watchAlerts(broker.url, v);
    const pub = await publisher(broker.url, v);
    try {
      await publishMetrics(pub, metrics({ fleet: `fleet${v}`, value: 3.5 }));
      await waitFor(() => watch.alerts.length === 1, 'firing alert');
      expect(watch.lines()).toEqual(['d1 over-coupling firing']);
    } finally {
      await pub.endAsync();
      await watch.close();
      await c.stop();
    }
  });

  it('two collectors with a shared subscription split the messages and raise each alert once', async () => {
    const dir = tmpDir();
    const make = (id: string, port: number) =>
      startCollector(
        testConfig(join(dir, 'shared.db'), {
          mqtt: {
            url: broker.url,
            protocol_version: 5,
            client_id: id,
            shared_subscription_group: 'redband',
          },
          fleet: 'shared',
          http: { port },
          rules: {
            'over-coupling': { for: { readings: 3, of: 5 } },
            'over-compression': { for: { readings: 3, of: 5 } },
          },
        }),
        { logger: quietLog },
      );
    const collectors: Collector[] = [await make('member-a', 0), await make('member-b', 0)];
    const watch = await watchAlerts(broker.url, 5);
    const pub = await publisher(broker.url, 5);
    const devices = ['d1', 'd2', 'd3', 'd4'];
    // per device: 6 breaching readings above, 6 inside, 6 below → firing, resolved twice
    // (pending is tracked but not announced by the built-in rules)
    const values = [
      ...Array(6).fill(3.5),
      ...Array(6).fill(2),
      ...Array(6).fill(0.5),
      ...Array(3).fill(2),
    ];
    try {
      for (let seq = 0; seq < values.length; seq++) {
        for (const device of devices) {
          await publishMetrics(
            pub,
            metrics({ fleet: 'shared', device, seq, t: (seq + 1) * 10_000, value: values[seq] }),
          );
        }
      }
      const total = values.length * devices.length;
      const counts = await waitFor(async () => {
        const n = await Promise.all(
          collectors.map(async (c) => {
            const t = await (await fetch(`${c.httpUrl}/metrics`)).text();
            let sum = 0;
            for (const d of devices)
              sum += sample(t, 'redband_ingest_accepted_total', { device: d }) ?? 0;
            return sum;
          }),
        );
        return n[0]! + n[1]! === total && n;
      }, 'all messages ingested by the group');
      // both members took part: the subscription is shared, not duplicated
      expect(counts.every((n) => n > 0)).toBe(true);
      const expected = [
        'over-coupling firing',
        'over-coupling resolved',
        'over-compression firing',
        'over-compression resolved',
      ];
      // each alert raised once by the group: counted at the collectors, not waited for
      const sent = (await Promise.all(collectors.map(published))).reduce((a, b) => a + b);
      expect(sent).toBe(devices.length * expected.length);
      await waitFor(() => watch.alerts.length >= sent, 'every alert delivered');
      for (const device of devices) {
        const mine = watch.alerts
          .filter((a) => a.device === device)
          .map((a) => `${a.rule} ${a.state}`);
        expect(mine, device).toEqual(expected);
      }
    } finally {
      await pub.endAsync();
      await watch.close();
      for (const c of collectors) await c.stop();
    }
  });
});
