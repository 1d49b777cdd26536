// The soak run: mosquitto, the collector and N agents as real processes (the same spawning,
// config derivation and stop code as the demo), a seeded fault plan, an MQTT observer for
// alerts and data time, and the accounting at the end. Stop order: agents (they flush their
// outboxes), wait until the collector has stored what they sent, collector, broker.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { parse, stringify } from 'yaml';
import { writeDeviceConfig } from '../../demo/configs.ts';
import type { RaisedAlert } from '../../demo/plan.ts';
import { freePort } from '../../shared/net/ports.ts';
import {
  REDBAND_BIN,
  spawnNodeScript,
  spawnRedband,
  stopProcess,
  type ManagedProcess,
} from '../../demo/processes.ts';
import { decodeAlert, decodeMetrics, parseDeviceTopic } from '../../shared/schema/index.ts';
import type { SimFaultKind } from '../../shared/sim/index.ts';
import {
  accountAlerts,
  accountMessages,
  outboxPath,
  readHistory,
  readOutbox,
  type Outboxed,
} from './accounting.ts';
import { startMosquitto } from './mosquitto.ts';
import { ByteSeries, sampleProc } from './procstat.ts';
import { buildReport, type SoakReport } from './report.ts';
import { planSoak } from './schedule.ts';

export interface SoakOptions {
  agents: number;
  minutes: number;
  seed: number;
  /** sim data runs this many times faster than real time (the test uses it; rules run on data time) */
  speed: number;
  kinds: readonly SimFaultKind[];
  /** wall ms between agent starts: spreads the start-up cost (README: one agent's cost) */
  staggerMs: number;
  /** 'bundle': the esbuild agent devices run, built fresh from this tree; 'cli': `redband agent` */
  runner: 'bundle' | 'cli';
  progressS: number;
  /** keep the run directory even when every target is met */
  keep: boolean;
  onProgress: (line: string) => void;
  signal?: AbortSignal;
}

export const FLEET = 'soak';
const SAMPLE_EVERY_MS = 5000;
/** no request to the collector may hold up the run, or its stop (fetch has no timeout of its own) */
const HTTP_TIMEOUT_MS = 5000;
/** how long the collector may take, after the agents stopped, to store what they sent */
const SETTLE_MS = 30_000;

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const runDir = mkdtempSync(join(tmpdir(), 'redband-soak-'));
  const plan = planSoak({
    agents: o.agents,
    seed: o.seed,
    dataSeconds: o.minutes * 60 * o.speed,
    kinds: o.kinds,
  });
  const devices = plan.map((d) => d.device);
  const agents: ManagedProcess[] = [];
  let collector: ManagedProcess | null = null;
  const bundle = o.runner === 'bundle' ? buildBundle() : null;
  const broker = await startMosquitto(runDir);
  const timers: NodeJS.Timeout[] = [];
  let observer: mqtt.MqttClient | null = null;
  // a holder, not a variable: TypeScript does not follow assignments made inside closures
  const reader: { db: Database.Database | null } = { db: null };
  const unexpectedExits: string[] = [];
  let stopping = false;
  try {
    const httpPort = await freePort();
    const collectorConfig = join(runDir, 'collector.yaml');
    // Retention far beyond the run: the history is the received-side ledger.
    writeFileSync(
      collectorConfig,
      stringify({ db: { history_points_per_device: 1_000_000, alert_history: 1_000_000 } }),
    );
    const dbFile = join(runDir, 'collector.db');
    collector = spawnRedband(
      'collector',
      [
        'collector',
        '--config',
        collectorConfig,
        '--broker',
        broker.url,
        '--db',
        dbFile,
        '--port',
        String(httpPort),
      ],
      join(runDir, 'collector.log'),
    );
    watch(collector, () => stopping, unexpectedExits);
    const base = `http://127.0.0.1:${httpPort}`;
    await waitForHttp(`${base}/readyz`, collector, 60_000);

    // The observer: alerts as published, and each device's data time and phase.
    const raised: (RaisedAlert & { receivedAt: number })[] = [];
    const lastData = new Map<string, number>();
    /** window_end by `boot:seq`: a resolution names the message that caused it, not its data time */
    const dataTime = new Map<string, number>();
    /** per device, 1 + the highest seq seen: the published count so far, for progress only */
    const seqs = new Map<string, number>();
    const live = new Set<string>();
    const dropped = new Map<string, number>();
    observer = await mqtt.connectAsync(broker.url, { reconnectPeriod: 500 });
    observer.on('message', (topic, payload) => {
      const t = parseDeviceTopic(topic);
      if (t?.kind === 'alerts') {
        const a = decodeAlert(payload);
        if (!a.ok || a.value.resend) return;
        const { device, rule, since, state, boot, seq } = a.value;
        if (state === 'firing') raised.push({ device, rule, since, receivedAt: Date.now() });
        if (state !== 'resolved') return;
        const episode = raised.find(
          (r) => r.device === device && r.rule === rule && r.since === since,
        );
        if (episode) {
          episode.until = dataTime.get(`${boot}:${seq}`) ?? lastData.get(device) ?? since;
        }
      } else if (t?.kind === 'metrics') {
        const m = decodeMetrics(payload);
        if (!m.ok) return;
        lastData.set(t.device, Math.max(lastData.get(t.device) ?? 0, m.value.window_end));
        dataTime.set(`${m.value.boot}:${m.value.seq}`, m.value.window_end);
        seqs.set(t.device, Math.max(seqs.get(t.device) ?? 0, m.value.seq + 1));
        if (m.value.phase === 'live') live.add(t.device);
        dropped.set(t.device, m.value.health.windows_dropped);
      }
    });
    await observer.subscribeAsync(
      [`redband/v1/${FLEET}/+/alerts`, `redband/v1/${FLEET}/+/metrics`],
      { qos: 1 },
    );

    const startMs = new Map<string, number>();
    const t0 = Date.now();
    const collectorRss = new ByteSeries();
    const agentRss = new ByteSeries();
    const heap = { total: new ByteSeries(), used: new ByteSeries() };
    const cpu = { t: [] as number[], collector: [] as number[], agents: [] as number[] };
    let allLiveAt: number | null = null;
    const sample = () => {
      const now = Date.now();
      const c = collector?.child.pid ? sampleProc(collector.child.pid) : null;
      const a = agents.map((p) => (p.exit || !p.child.pid ? null : sampleProc(p.child.pid)));
      collectorRss.add(now, [c?.rssBytes ?? NaN]);
      agentRss.add(
        now,
        a.map((s) => s?.rssBytes ?? NaN),
      );
      cpu.t.push(now);
      cpu.collector.push(c?.cpuS ?? NaN);
      cpu.agents.push(a.reduce((sum, s) => sum + (s?.cpuS ?? 0), 0));
      if (allLiveAt === null && live.size === devices.length) allLiveAt = now;
    };
    sample();
    timers.push(setInterval(sample, SAMPLE_EVERY_MS));
    // The collector's own view of its heap (prom-client's process metrics), scraped at the
    // progress period (default 30 s) as a Prometheus server would: one scrape of 50 devices
    // renders ~170 KB, and scraping it every 5 s was itself enough allocation for V8 to grow
    // the young generation (+15 MB RSS).
    const sampleHeap = async () => {
      const text = await fetch(`${base}/metrics`, {
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      }).then(
        (r) => r.text(),
        () => '',
      );
      const now = Date.now();
      heap.total.add(now, [promGauge(text, 'nodejs_heap_size_total_bytes')]);
      heap.used.add(now, [promGauge(text, 'nodejs_heap_size_used_bytes')]);
    };
    timers.push(setInterval(() => void sampleHeap(), o.progressS * 1000));
    // The outboxes are locked exclusively while their agents run: the exact count comes at the end.
    const sentNow = () => [...seqs.values()].reduce((a, b) => a + b, 0);
    const receivedNow = () => {
      reader.db ??= new Database(dbFile, { readonly: true, fileMustExist: true });
      return (reader.db.prepare('SELECT COUNT(*) AS n FROM history').get() as { n: number }).n;
    };
    timers.push(
      setInterval(() => {
        const last = agentRss.samples.at(-1);
        const cRss = collectorRss.samples.at(-1)?.bytes ?? 0;
        o.onProgress(
          `[soak ${clock(Date.now() - t0)}] agents ${agents.filter((p) => !p.exit).length}/${o.agents}` +
            ` live ${live.size} · sent ~${sentNow()} (seqs seen) · received ${receivedNow()}` +
            ` · alerts ${raised.length} · RSS collector ${mb(cRss)} agents ${mb(last?.bytes ?? 0)}`,
        );
      }, o.progressS * 1000),
    );

    for (const [i, d] of plan.entries()) {
      if (o.signal?.aborted) break;
      if (i > 0) await sleep(o.staggerMs, o.signal);
      const file = writeDeviceConfig(
        { ...d, runtime: 'node', profile: 'sim', incident: null, expectRule: null, role: '' },
        { fleet: FLEET, brokerUrl: broker.url, runDir, skabSpeed: 1, simSpeed: o.speed },
      );
      // The fault schedule and a known data start: the labels are then exact epoch times.
      const config = parse(readFileSync(file, 'utf8')) as { source: Record<string, unknown> };
      const start = Date.now();
      config.source.faults = d.faults;
      config.source.start_ms = start;
      writeFileSync(file, stringify(config));
      startMs.set(d.device, start);
      const log = join(runDir, `${d.device}.log`);
      const agent = bundle
        ? spawnNodeScript(d.device, bundle.script, ['--config', file], log)
        : spawnRedband(d.device, ['agent', '--config', file], log);
      agents.push(agent);
      watch(agent, () => stopping, unexpectedExits);
    }

    await sleep(Math.max(0, t0 + o.minutes * 60_000 - Date.now()), o.signal);
    sample();
    await sampleHeap();
    const stopAt = Date.now();
    stopping = true;
    timers.forEach(clearInterval);
    await Promise.all(agents.map((p) => stopProcess(p)));
    const outboxes = new Map<string, Outboxed>(
      devices.map((d) => [d, readOutbox(outboxPath(runDir, FLEET, d))]),
    );
    const sent = [...outboxes.values()].reduce((s, x) => s + x.sent - x.left, 0);
    const settleEnd = Date.now() + SETTLE_MS;
    while (receivedNow() < sent && Date.now() < settleEnd) await sleep(250);
    // Alerts caused by the last messages are published after their commit.
    await sleep(2000);
    const metricsText = await fetch(`${base}/metrics`, {
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }).then(
      (r) => r.text(),
      () => '',
    );
    reader.db?.close();
    reader.db = null;
    await stopProcess(collector, 10_000);
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    const history = readHistory(db, FLEET);
    db.close();

    const messages = accountMessages(devices, outboxes, history);
    // A clean stop publishes `offline`, which the collector rightly reports as silent.
    const judged = raised.filter((a) => !(a.rule === 'silent' && a.receivedAt >= stopAt));
    const alerts = accountAlerts(plan, startMs, lastData, judged);
    // Never all live: no RSS figure after warm-up (a failed target), rather than a made-up one.
    const from = allLiveAt ?? Infinity;
    const report = buildReport({
      options: { agents: o.agents, minutes: o.minutes, seed: o.seed, speed: o.speed },
      wallS: (stopAt - t0) / 1000,
      runDir,
      messages,
      redelivered: promSum(metricsText, 'redband_ingest_duplicates_total'),
      alerts,
      rss: { collector: collectorRss, agents: agentRss, from, agentCount: o.agents },
      heap,
      cpu,
      windowsDropped: [...dropped.values()].reduce((a, b) => a + b, 0),
      dataRatePct: slowestDataRate(startMs, lastData, stopAt, o.speed),
      unexpectedExits,
      interrupted: o.signal?.aborted ?? false,
    });
    if (report.ok && !o.keep) rmSync(runDir, { recursive: true, force: true });
    return report;
  } finally {
    stopping = true;
    timers.forEach(clearInterval);
    reader.db?.close();
    await Promise.all(agents.map((p) => stopProcess(p, 3000)));
    if (collector) await stopProcess(collector, 10_000);
    await observer?.endAsync(true).catch(() => undefined);
    await broker.stop();
    if (bundle) rmSync(bundle.dir, { recursive: true, force: true });
  }
}

/**
 * `npm run build:agent`, then a private copy beside it (dist/soak-<pid>/), so another engineer's
 * rebuild cannot change the file under agents that are still starting; from there the external
 * packages still resolve from the repository's node_modules.
 */
function buildBundle(): { script: string; dir: string } {
  const build = join(REDBAND_BIN, '../../scripts/build-agent.mjs');
  const r = spawnSync(process.execPath, [build], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent bundle build failed:\n${r.stderr}`);
  const dist = join(REDBAND_BIN, '../../dist');
  const dir = join(dist, `soak-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'redband-agent.mjs');
  copyFileSync(join(dist, 'redband-agent.mjs'), script);
  return { script, dir };
}

/**
 * The slowest agent's data time over the wall time since its start, in % of the configured
 * rate: below 100 the machine did not keep up (start-up and the first snapshot's period
 * included, so a short run reads a little low).
 */
function slowestDataRate(
  startMs: Map<string, number>,
  lastData: Map<string, number>,
  stopAt: number,
  speed: number,
): number | null {
  let min: number | null = null;
  for (const [device, start] of startMs) {
    const wall = (stopAt - start) * speed;
    const pct = (((lastData.get(device) ?? start) - start) / wall) * 100;
    if (wall > 0) min = min === null ? pct : Math.min(min, pct);
  }
  return min;
}

function watch(p: ManagedProcess, stopping: () => boolean, exits: string[]): void {
  p.child.on('exit', (code, signal) => {
    if (!stopping()) exits.push(`${p.name} exited (${code ?? signal}); log: ${p.logFile}`);
  });
}

async function waitForHttp(url: string, p: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exit) throw new Error(`${p.name} exited before it was ready; log: ${p.logFile}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${p.name} did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** An unlabelled Prometheus gauge; NaN when absent (the series skips it). */
function promGauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

/** Sum of a Prometheus counter over all its label sets. */
function promSum(text: string, name: string): number | null {
  if (!text) return null;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
