// `npm run bench:collector [-- --json]`: in one run against each broker (the embedded Aedes,
// and mosquitto when installed) measures
//   1. the broker's delivery ceiling to a no-op subscriber,
//   2. the collector's sustained ingest rate (same load, the collector as the subscriber),
//   3. p99 latency from a metric's publish to its alert's publish at a set rate,
// and prints the ratios against the targets (ingest ≥ 80 % of the ceiling; p99 ≤ 250 ms at
// 10,000 msg/s). The load comes from a worker thread; brokers and collector are real.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import pino from 'pino';
import { parseConfig } from '../collector/config.ts';
import { startCollector } from '../collector/factories.ts';
import { startEmbeddedBroker } from '../collector/mqtt.ts';
import { freePort } from '../shared/net/ports.ts';
import { exampleMetrics } from '../shared/schema/metrics-example.ts';
import { measured, type CpuShare } from './cpu-share.ts';
import {
  type Expect,
  type LoadOptions,
  type LoadResult,
  type Published,
} from './collector-load.ts';

export interface CollectorBenchOptions {
  durationMs: number;
  devices: number;
  /** msg/s for the latency run */
  rate: number;
  brokers: ('aedes' | 'mosquitto')[];
}

export const TARGETS = { ingest_ratio_min: 0.8, p99_ms_max: 250, rate: 10_000 };

export interface BrokerReport {
  broker: string;
  ceiling_msg_s: number;
  ingest_msg_s: number;
  ingest_ratio: number;
  latency: {
    rate_target: number;
    rate_achieved: number;
    alerts: number;
    /** alerts the collector published that the watcher never received (counted as +∞) */
    missing: number;
    p50_ms: number;
    p99_ms: number;
  };
  cpu: { ceiling: CpuShare; ingest: CpuShare; latency: CpuShare };
  pass: { ingest: boolean; latency: boolean };
}

export interface CollectorBenchReport {
  options: CollectorBenchOptions;
  targets: typeof TARGETS;
  results: BrokerReport[];
  skipped: string[];
}

/**
 * The example message (shared/schema/metrics-example.ts) as an 8-channel device on the band
 * 1–3, with placeholders the load worker fills per publish: `__DEVICE__`, `__SEQ__`, the data
 * time `__T__` and the band measures' value `__V__`.
 */
const example = exampleMetrics();
export const TEMPLATE = JSON.stringify({
  ...example,
  fleet: 'bench',
  device: '__DEVICE__',
  boot: 'bench-boot',
  seq: '__SEQ__',
  window_start: '__T__',
  window_end: '__T__',
  windows: 10,
  band: { measure: 'tc', low: 1, center: 2, high: 3, source: 'config' },
  band_value: '__V__',
  measures: {
    ...example.measures,
    n: 500,
    k: 8,
    tc: '__V__',
    tc_bias_corrected: '__V__',
    renyi: { '0.5': '__V__', '2': '__V__' },
    chi2: 0.3,
    bartlett: null,
    erank: 6.1,
    pr: 5.2,
    eigenvalues: [2.1, 1.4, 1.1, 0.9, 0.8, 0.7, 0.6, 0.4],
    notes: {},
  },
  drift: 0.1,
  recon: { mean: 0.2, p95: 0.4 },
  sent_at: 0,
})
  // numbers in the template are placeholders; make them bare JSON numbers
  .replace(/"__(SEQ|T|V)__"/g, '__$1__');

// Worker threads do not inherit the tsx loader: a small bootstrap registers it first.
const LOAD_WORKER = new URL('./collector-load.ts', import.meta.url).href;
const BOOTSTRAP = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(LOAD_WORKER)}); });`;

/**
 * Runs the load worker. `onPublished` (paced runs) is called once everything is published and
 * returns the number of alerts the collector published for it.
 */
function load(
  o: LoadOptions,
  onPublished?: (sent: number) => Promise<number>,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(BOOTSTRAP, { eval: true, workerData: o });
    w.on('message', (r: LoadResult | Published) => {
      if ('type' in r) {
        void onPublished?.(r.sent).then((alerts) =>
          w.postMessage({ type: 'expect', alerts } satisfies Expect),
        );
        return;
      }
      void w.terminate();
      if (r.error) reject(new Error(r.error));
      else resolve(r);
    });
    w.once('error', reject);
  });
}

/** Counts events; the rate is over the span from the first to the last one. */
class RateMeter {
  n = 0;
  /** events in the first hit: they arrived before the span starts */
  n0 = 0;
  first = 0;
  last = 0;
  hit(k = 1): void {
    const t = performance.now();
    if (this.n === 0) {
      this.first = t;
      this.n0 = k;
    }
    this.n += k;
    this.last = t;
  }
  rate(): number {
    return this.last > this.first ? ((this.n - this.n0) * 1000) / (this.last - this.first) : 0;
  }
  /** resolves once nothing arrived for `quietMs` */
  async settle(quietMs = 500): Promise<void> {
    let seen = -1;
    while (seen !== this.n) {
      seen = this.n;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function startMosquitto(
  dir: string,
): Promise<{ url: string; pid: number | undefined; close(): Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // unbounded queues: a slow subscriber must show up as a lower rate, not as dropped messages
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`,
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await (await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 })).endAsync();
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: proc.pid,
    close: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function benchBroker(
  name: string,
  url: string,
  o: CollectorBenchOptions,
  dir: string,
  mosquittoPid?: number,
): Promise<BrokerReport> {
  const protocolVersion = 4 as const;
  const devices = Array.from({ length: o.devices }, (_, i) => `dev${i}`);
  const base = {
    url,
    protocolVersion,
    devices,
    template: TEMPLATE,
    rate: o.rate,
    durationMs: o.durationMs,
  };
  const log = pino({ level: 'silent' });
  // messages the subscriber has taken; the blast generator stays a bounded distance ahead
  const taken = () => {
    const consumed = new SharedArrayBuffer(4);
    return { consumed, add: (n: number) => Atomics.add(new Int32Array(consumed), 0, n) };
  };

  // 1. ceiling: a subscriber that does nothing
  const noop = await mqtt.connectAsync(url, {
    protocolVersion,
    clientId: `bench-noop-${Date.now()}`,
  });
  const ceiling = new RateMeter();
  const t1 = taken();
  noop.on('message', () => {
    ceiling.hit();
    t1.add(1);
  });
  await noop.subscribeAsync('redband/v1/+/+/metrics', { qos: 1 });
  const c = await measured(
    mosquittoPid,
    async () => {
      const r = await load({ ...base, mode: 'blast', watchAlerts: false, consumed: t1.consumed });
      await ceiling.settle();
      return r;
    },
    () => ceiling.n,
  );
  await noop.endAsync();

  const collectorConfig = (phase: string) =>
    parseConfig({
      mqtt: { url, client_id: `bench-${name}-${phase}-${Date.now()}`, clean_session: true },
      db: { path: join(dir, `${name}-${phase}.db`) },
      http: { port: 0 },
      ingest: { rate_per_s: 1e6, burst: 1e6 },
      rules: { 'over-coupling': { for: 0 }, 'over-compression': { for: 0 } },
    });

  // 2. sustained ingest: the collector as the subscriber
  const c1 = await startCollector(collectorConfig('ingest'), { logger: log });
  const ingest = new RateMeter();
  const t2 = taken();
  // accepted messages per committed batch (device events are coalesced per 100 ms)
  c1.core.on('ingested', (n) => {
    ingest.hit(n);
    t2.add(n);
  });
  const i = await measured(
    mosquittoPid,
    async () => {
      const r = await load({ ...base, mode: 'blast', watchAlerts: false, consumed: t2.consumed });
      await ingest.settle();
      return r;
    },
    () => ingest.n,
  );
  await c1.stop();

  // 3. latency from publish to alert at a set rate
  const c2 = await startCollector(collectorConfig('latency'), { logger: log });
  let ingested = 0;
  let alerts = 0;
  c2.core.on('ingested', (n) => (ingested += n));
  c2.core.on('alert', () => alerts++);
  const afterPublishing = async (sent: number) => {
    for (const end = Date.now() + 120_000; ingested < sent && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 20));
    // bounded like the collector's own stop: an alert never acknowledged stays counted as missing
    await Promise.race([c2.core.drain(), new Promise((r) => setTimeout(r, 10_000))]);
    return alerts;
  };
  const l = await measured(
    mosquittoPid,
    () => load({ ...base, mode: 'paced', watchAlerts: true }, afterPublishing),
    () => ingested,
  );
  const paced = l.r;
  await c2.stop();
  // an alert that never arrived counts as slower than every one that did
  const all = [...paced.latencies, ...Array<number>(paced.missing).fill(Infinity)];
  const p99 = percentile(all, 99);
  const ratio = ingest.rate() / ceiling.rate();
  return {
    broker: name,
    ceiling_msg_s: Math.round(ceiling.rate()),
    ingest_msg_s: Math.round(ingest.rate()),
    ingest_ratio: Number(ratio.toFixed(3)),
    latency: {
      rate_target: o.rate,
      rate_achieved: Math.round((paced.sent * 1000) / paced.elapsedMs),
      alerts: paced.latencies.length,
      missing: paced.missing,
      p50_ms: Number(percentile(all, 50).toFixed(1)),
      p99_ms: Number(p99.toFixed(1)),
    },
    cpu: { ceiling: c.cpu, ingest: i.cpu, latency: l.cpu },
    pass: { ingest: ratio >= TARGETS.ingest_ratio_min, latency: p99 <= TARGETS.p99_ms_max },
  };
}

export async function runCollectorBench(o: CollectorBenchOptions): Promise<CollectorBenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'redband-bench-collector-'));
  const results: BrokerReport[] = [];
  const skipped: string[] = [];
  try {
    for (const b of o.brokers) {
      if (b === 'aedes') {
        const broker = await startEmbeddedBroker('127.0.0.1', 0);
        try {
          results.push(await benchBroker('aedes (embedded)', broker.url, o, dir));
        } finally {
          await broker.close();
        }
      } else if (spawnSync('mosquitto', ['-h']).error) {
        skipped.push('mosquitto (not installed)');
      } else {
        const broker = await startMosquitto(dir);
        try {
          results.push(await benchBroker('mosquitto', broker.url, o, dir, broker.pid));
        } finally {
          await broker.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { options: o, targets: TARGETS, results, skipped };
}

const PHASES = ['ceiling', 'ingest', 'latency'] as const;

function fmtCpu(c: CpuShare): string {
  return [c.main, c.main_waiting, c.helpers, c.load, c.mosquitto]
    .map((v) => (v === null ? '–' : v.toFixed(2)))
    .join(' / ');
}

export function formatCollectorReport(r: CollectorBenchReport): string {
  const lines = [
    `collector bench: ${r.options.devices} devices, ${r.options.durationMs / 1000} s per phase, latency at ${r.options.rate} msg/s`,
    `targets: ingest ≥ ${r.targets.ingest_ratio_min * 100} % of the broker ceiling; p99 publish→alert ≤ ${r.targets.p99_ms_max} ms at ${r.targets.rate} msg/s`,
  ];
  for (const b of r.results) {
    lines.push(
      '',
      `${b.broker}`,
      `  broker ceiling (no-op subscriber)  ${b.ceiling_msg_s} msg/s`,
      `  collector sustained ingest         ${b.ingest_msg_s} msg/s  = ${(b.ingest_ratio * 100).toFixed(1)} % of ceiling  ${b.pass.ingest ? 'PASS' : 'FAIL'}`,
      `  publish→alert at ${b.latency.rate_target} msg/s (achieved ${b.latency.rate_achieved}): ${b.latency.alerts} alerts${b.latency.missing ? ` (${b.latency.missing} missing)` : ''}, p50 ${b.latency.p50_ms} ms, p99 ${b.latency.p99_ms} ms  ${b.pass.latency ? 'PASS' : 'FAIL'}`,
      `  cores used (main thread / main waiting for a core / GC and other helper threads / load generator / mosquitto): ${PHASES.map((k) => `${k} ${fmtCpu(b.cpu[k])}`).join(', ')}`,
      `  main-thread CPU per message: ${PHASES.map((k) => `${k} ${b.cpu[k].main_us_per_msg ?? '–'} µs`).join(', ')}`,
    );
  }
  for (const s of r.skipped) lines.push('', `skipped: ${s}`);
  return lines.join('\n');
}
