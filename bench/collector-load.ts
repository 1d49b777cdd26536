// Load generator for bench/collector.ts, run in a worker thread so publishing (and, for the
// latency run, watching alerts) does not share the collector's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

export interface LoadOptions {
  url: string;
  protocolVersion: 4 | 5;
  devices: string[];
  /** metrics JSON with __DEVICE__, __SEQ__, __T__ and __V__ placeholders */
  template: string;
  /** blast: as fast as the broker takes them; paced: `rate` per second */
  mode: 'blast' | 'paced';
  rate: number;
  durationMs: number;
  watchAlerts: boolean;
}

export interface LoadResult {
  sent: number;
  elapsedMs: number;
  /** publish → alert received, ms, for each alert whose (device, seq) this run sent */
  latencies: number[];
  error?: string;
}

const MAX_INFLIGHT = 2000;

async function run(o: LoadOptions): Promise<LoadResult> {
  const client = await mqtt.connectAsync(o.url, {
    protocolVersion: o.protocolVersion,
    reconnectPeriod: 0,
    clientId: `bench-load-${process.pid}-${Date.now()}`,
  });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  // alerts on their own connection, so they do not queue behind the publisher's PUBACKs
  const watcher = o.watchAlerts
    ? await mqtt.connectAsync(o.url, {
        protocolVersion: o.protocolVersion,
        reconnectPeriod: 0,
        clientId: `bench-watch-${process.pid}-${Date.now()}`,
      })
    : null;
  if (watcher) {
    watcher.on('message', (_topic, buf) => {
      const a = JSON.parse(buf.toString()) as { device: string; seq: number | null };
      const t0 = sentAt.get(`${a.device}/${a.seq}`);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    });
    await watcher.subscribeAsync('redband/v1/+/+/alerts', { qos: 1 });
  }
  const seqs = new Array<number>(o.devices.length).fill(0);
  let sent = 0;
  let inflight = 0;
  const start = performance.now();
  const publishOne = () => {
    const i = sent % o.devices.length;
    const seq = seqs[i]!++;
    // paced runs toggle the band value every 5 readings: 2 alert transitions per 10 messages
    const value = o.mode === 'paced' && seq % 10 >= 5 ? 3.5 : 2;
    const device = o.devices[i]!;
    const text = o.template
      .replace('__DEVICE__', device)
      .replace('__SEQ__', String(seq))
      .replace(/__T__/g, String((seq + 1) * 10_000))
      .replace(/__V__/g, String(value));
    if (o.watchAlerts) sentAt.set(`${device}/${seq}`, performance.now());
    inflight++;
    sent++;
    client.publish(`redband/v1/bench/${device}/metrics`, text, { qos: 1 }, () => inflight--);
  };
  if (o.mode === 'blast') {
    while (performance.now() - start < o.durationMs) {
      while (inflight < MAX_INFLIGHT && performance.now() - start < o.durationMs) publishOne();
      await new Promise((r) => setImmediate(r));
    }
  } else {
    while (performance.now() - start < o.durationMs) {
      const due = Math.floor(((performance.now() - start) / 1000) * o.rate);
      // in-flight capped like a real fleet (a device has few unacknowledged messages): with
      // no cap a broker that falls behind makes this loop spend itself on PUBACK bookkeeping
      // and the alert latencies measure the load generator (see README)
      while (sent < due && inflight < MAX_INFLIGHT) publishOne();
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const elapsedMs = performance.now() - start;
  // The last alerts: wait until none came for 2 s (at most 120 s), so alerts of a collector
  // that fell behind are measured late instead of silently left out of the percentiles.
  const quiet = Date.now() + 120_000;
  for (let seen = -1; o.watchAlerts && seen !== latencies.length && Date.now() < quiet;) {
    seen = latencies.length;
    await new Promise((r) => setTimeout(r, 2000));
  }
  await client.endAsync();
  await watcher?.endAsync();
  return { sent, elapsedMs, latencies };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadOptions).then(
    (r) => port.postMessage(r),
    (e: Error) =>
      port.postMessage({ sent: 0, elapsedMs: 0, latencies: [], error: e.stack ?? String(e) }),
  );
}
