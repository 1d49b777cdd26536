// Runs the demo fleet (the same code as `npm start`) and records what crossed the broker.
import mqtt, { type MqttClient } from 'mqtt';
import { startDemo, type DemoHandle } from '../../demo/orchestrator.ts';
import type { DemoOptions } from '../../demo/options.ts';
import type { DemoDevice } from '../../demo/plan.ts';
import {
  decodeAlert,
  decodeMetrics,
  parseDeviceTopic,
  type AlertMessage,
} from '../../shared/schema/index.ts';
import { waitFor } from '../support/brokers.ts';

export interface FleetRun {
  demo: DemoHandle;
  alerts: AlertMessage[];
  /** data time of each device's first window, epoch ms */
  firstSample: Map<string, number>;
  /** latest window_end per device */
  lastWindowEnd: Map<string, number>;
  stop(): Promise<void>;
}

export async function runFleet(options: Partial<DemoOptions>): Promise<FleetRun> {
  const demo = await startDemo(options);
  const alerts: AlertMessage[] = [];
  const firstSample = new Map<string, number>();
  const lastWindowEnd = new Map<string, number>();
  const client: MqttClient = await mqtt.connectAsync(demo.brokerUrl, { reconnectPeriod: 500 });
  client.on('message', (topic, payload) => {
    const t = parseDeviceTopic(topic);
    if (t?.kind === 'alerts') {
      const d = decodeAlert(payload);
      if (d.ok) alerts.push(d.value);
    } else if (t?.kind === 'metrics') {
      const d = decodeMetrics(payload);
      if (!d.ok) return;
      if (!firstSample.has(t.device)) firstSample.set(t.device, d.value.window_start);
      lastWindowEnd.set(t.device, Math.max(lastWindowEnd.get(t.device) ?? 0, d.value.window_end));
    }
  });
  await client.subscribeAsync(['redband/v1/demo/+/alerts', 'redband/v1/demo/+/metrics'], {
    qos: 1,
  });
  let stopped = false;
  return {
    demo,
    alerts,
    firstSample,
    lastWindowEnd,
    async stop() {
      if (stopped) return;
      stopped = true;
      await client.endAsync(true);
      await demo.stop();
    },
  };
}

/** Data time (epoch ms) at which the device's incident starts. */
export function incidentStart(run: FleetRun, d: DemoDevice): number | null {
  const first = run.firstSample.get(d.device);
  if (first === undefined || !d.incident) return null;
  return first + d.incident.start_s * 1000;
}

/** Waits until every sim device's data has run `seconds` past its first sample. */
export async function waitForDataTime(run: FleetRun, seconds: number, timeoutMs: number) {
  const sims = run.demo.fleet.filter((d) => d.profile === 'sim' && d.incident?.kind !== 'freeze');
  await waitFor(
    () =>
      sims.every((d) => {
        const first = run.firstSample.get(d.device);
        const last = run.lastWindowEnd.get(d.device);
        return first !== undefined && last !== undefined && last - first >= seconds * 1000;
      }),
    `the fleet's data to reach ${seconds} s`,
    timeoutMs,
    250,
  );
}
