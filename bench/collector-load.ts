// Load generator for bench/collector.ts, run in a worker thread so publishing (and, for the
// latency run, watching alerts) does not share the subscriber's event loop.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

export interface LoadOptions {
  url: string;
  protocolVersion: 4 | 5;
  devices: string[];
  /** metrics JSON with __DEVICE__, __SEQ__, __T__ and __V__ placeholders */
  template: string;
  /** blast: as fast as the subscriber takes them; paced: `rate` per second */
  mode: 'blast' | 'paced';
  rate: number;
  durationMs: number;
  watchAlerts: boolean;
  /**
   * blast: [0] = messages the subscriber has taken so far (the main thread adds to it), so
   * publishing stays at most BLAST_AHEAD ahead of the subscriber (see `run`).
   */
  consumed?: SharedArrayBuffer;
}

export interface LoadResult {
  sent: number;
  elapsedMs: number;
  /** publish → alert received, ms, for each alert whose (device, seq) this run sent */
  latencies: number[];
  /** alerts the collector published that never arrived (paced runs) */
  missing: number;
  /** CPU seconds of this thread (Linux /proc; null elsewhere) */
  cpuS: number | null;
  error?: string;
}

/** Messages sent by the worker once it has published everything (paced runs). */
export interface Published {
  type: 'published';
  sent: number;
}
/** The main thread's answer: how many alerts the collector published for this run. */
export interface Expect {
  type: 'expect';
  alerts: number;
}

const MAX_INFLIGHT = 2000;
/**
 * Blast runs publish at most this far ahead of what the subscriber has taken: enough backlog
 * in the broker that the subscriber never waits for input (~0.3 s at 10k msg/s), while the
 * load generator does not spend the machine's two cores on messages that only pile up in the
 * broker. Without it, with a subscriber slower than the generator, the generator kept one
 * core busy for the whole phase producing a backlog the collector drained afterwards: the
 * collector ran beside a full-speed generator, the no-op subscriber of the ceiling run did
 * not (it keeps up), so the two rates were not measured under the same conditions. The
 * ceiling run uses the same rule; there it never binds.
 */
const BLAST_AHEAD = 3000;

/** CPU seconds used by the calling thread so far (utime + stime), or null. */
export function threadCpuSeconds(): number | null {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // fields[11], [12]: utime, stime in clock ticks (USER_HZ, 100 on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function run(o: LoadOptions): Promise<LoadResult> {
  const cpu0 = threadCpuSeconds();
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
  const consumed = o.consumed ? new Int32Array(o.consumed) : null;
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
    client.publish(`redband/v1/bench/${device}/metrics`, text, { qos: 1 }, acked);
  };
  let onAck: (() => void) | null = null;
  function acked(): void {
    inflight--;
    onAck?.();
    onAck = null;
  }
  const ahead = () => (consumed ? sent - Atomics.load(consumed, 0) < BLAST_AHEAD : true);
  if (o.mode === 'blast') {
    // Waiting is a sleep, never a spin: a generator polling with setImmediate kept most of a
    // core busy while it waited, a core the subscriber it measures did not get.
    while (performance.now() - start < o.durationMs) {
      while (inflight < MAX_INFLIGHT && ahead() && performance.now() - start < o.durationMs)
        publishOne();
      if (inflight >= MAX_INFLIGHT) await new Promise<void>((r) => (onAck = r));
      // 1 ms is ~20 messages at the ceiling: far inside the BLAST_AHEAD backlog
      else if (!ahead()) await new Promise((r) => setTimeout(r, 1));
      else await new Promise((r) => setImmediate(r));
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
  let missing = 0;
  if (o.watchAlerts && parentPort) {
    // Every alert counts: the main thread waits until the collector has ingested all we sent
    // and published its alerts, and says how many; we wait for that many (at most 30 s more).
    // A fixed quiet period used to end the run while a collector that fell behind was still
    // working, leaving its latest alerts out of the percentiles.
    const port = parentPort;
    const expected = await new Promise<number>((resolve) => {
      // once: a listener left on the port would keep this thread, and the process, alive
      port.once('message', (m: Expect) => resolve(m.alerts));
      port.postMessage({ type: 'published', sent } satisfies Published);
    });
    const until = Date.now() + 30_000;
    while (latencies.length < expected && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    missing = Math.max(0, expected - latencies.length);
  }
  await client.endAsync();
  await watcher?.endAsync();
  const cpu1 = threadCpuSeconds();
  return {
    sent,
    elapsedMs,
    latencies,
    missing,
    cpuS: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadOptions).then(
    (r) => port.postMessage(r),
    (e: Error) =>
      port.postMessage({
        sent: 0,
        elapsedMs: 0,
        latencies: [],
        missing: 0,
        cpuS: null,
        error: e.stack ?? String(e),
      }),
  );
}
