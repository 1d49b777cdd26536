// Real processes for the fault tests: agents, collectors and mosquitto as children that can be
// killed with SIGKILL and started again on the same port / files, plus readers of what each
// side really holds (the collector's SQLite history and alert tables, the agent's outbox file).
// Every child is tracked so afterAll can kill what a failing test left behind, by pid.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { HISTORY_SLOTS } from '../../collector/history.ts';
import { decodeAlert, type AlertMessage } from '../../shared/schema/index.ts';
import { freePort, hasCommand, waitFor } from '../support/brokers.ts';
import { REPO, SKAB_MODEL } from '../agent/harness.ts';

export { freePort, tmpDir, waitFor } from '../support/brokers.ts';
export { REPO, SKAB_LIKE_FREE, SKAB_LIKE_VALVE1, SKAB_MODEL, sleep } from '../agent/harness.ts';
export {
  killLeftovers,
  persistentMosquitto,
  spawnTracked,
  type Proc,
} from '../support/processes.ts';
import { spawnTracked, type Proc } from '../support/processes.ts';

export interface AgentOpts {
  dir: string;
  device: string;
  url: string;
  /** csv file replayed, rows per second (a live source: the queue must hold what waits) */
  csv: string;
  speed: number | 'max';
  periodWindows?: number;
  outboxDir?: string;
  /** `outbox:` keys over the defaults */
  outbox?: Record<string, number>;
  /** `mqtt:` keys over the defaults */
  mqtt?: Record<string, number>;
  /** band lines replacing the default fixed band */
  extra?: string;
  /** config file name, when one device gets two configs */
  file?: string;
}

/**
 * A finite CSV replay. The queue holds every window (no drops), so the number of snapshots is
 * a function of the file and the config alone: `groundTruth` counts them from a stdout run.
 */
export function writeAgentConfig(o: AgentOpts): string {
  const file = join(o.dir, o.file ?? `${o.device}.yaml`);
  writeFileSync(
    file,
    `fleet: rel
device: ${o.device}
source: { kind: csv, path: ${o.csv}, delimiter: ';', speed: ${o.speed} }
model: { path: ${SKAB_MODEL} }
pipeline: { hop: 4, batch: 8, queue: 100000 }
baseline: { warmup_windows: 20 }
${o.extra ?? 'band: { measure: tc_bias_corrected, low: 0, center: 1, high: 100 }\nband_from: config'}
publish: { sink: mqtt, period_windows: ${o.periodWindows ?? 2} }
mqtt: ${flow({ url: o.url, backoff_initial_ms: 100, backoff_max_ms: 400, flush_timeout_ms: 30000, rate: 1000, burst: 1000, ...o.mqtt })}
outbox: ${flow({ dir: o.outboxDir ?? join(o.dir, 'outbox'), ...o.outbox })}
log: { level: info }
`,
  );
  return file;
}

const flow = (o: Record<string, string | number>): string =>
  `{ ${Object.entries(o)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;

/** For waitFor predicates: a child that died early fails the wait at once, with its stderr. */
export function mustRun(...procs: Proc[]): void {
  for (const p of procs)
    if (!p.running) throw new Error(`${p.name} exited early: ${p.stderr().slice(-2000)}`);
}

const CLI = join(REPO, 'bin', 'redband.mjs');

export function startAgent(config: string, name: string, netns?: string): Proc {
  const args = [CLI, 'agent', '--config', config];
  return netns
    ? spawnTracked(name, 'ip', ['netns', 'exec', netns, process.execPath, ...args])
    : spawnTracked(name, process.execPath, args);
}

/** The metrics lines a config produces when run to the end with --publish stdout. */
export async function groundTruth(config: string): Promise<number> {
  const p = spawnTracked('ground-truth', process.execPath, [
    CLI,
    'agent',
    '--config',
    config,
    '--publish',
    'stdout',
    '--speed',
    'max',
  ]);
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`ground-truth run exited ${code}: ${p.stderr()}`);
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"schema":"redband.metrics"')).length;
}

/** Parsed pino lines of a process's stderr. */
export function logLines(p: Proc): Array<Record<string, unknown> & { msg?: string }> {
  return p
    .stderr()
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown> & { msg?: string }];
      } catch {
        return [];
      }
    });
}

export interface CollectorProc {
  proc: Proc;
  httpUrl: string;
}

export const COLLECTOR_YAML = `ingest: { rate_per_s: 10000, burst: 10000, dedupe_window: 4096 }
db: { history_points_per_device: 100000, snapshot_interval: 200ms }
`;

export function writeCollectorConfig(dir: string, yaml = COLLECTOR_YAML): string {
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, yaml);
  return file;
}

export async function startCollector(
  broker: string,
  db: string,
  config: string,
  port?: number,
): Promise<CollectorProc> {
  const httpPort = port ?? (await freePort());
  const proc = spawnTracked('collector', process.execPath, [
    CLI,
    'collector',
    '--broker',
    broker,
    '--db',
    db,
    '--port',
    String(httpPort),
    '--config',
    config,
  ]);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
      // ready, not only serving HTTP: messages sent before the subscription would be lost
      return (await fetch(`${httpUrl}/readyz`)).ok;
    },
    'the collector to be ready',
    30_000,
    100,
  );
  return { proc, httpUrl };
}

export interface HistoryRow {
  device: string;
  boot: string;
  seq: number;
}

/** What the collector accepted, in insertion order (readonly: the collector may be running). */
export function readHistory(db: string): HistoryRow[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    // arrival order per device: moved rows first, then those still staged (a device's staged
    // rows are all in its slot's table; collector/store.ts)
    const staged = Array.from(
      { length: HISTORY_SLOTS },
      (_, k) => `UNION ALL SELECT device, boot, seq, 1, rowid FROM history_recent_${k}`,
    ).join(' ');
    return d
      .prepare(
        `SELECT device, boot, seq FROM (SELECT device, boot, seq, 0 AS staged, rowid AS r FROM history
          ${staged}) ORDER BY staged, r`,
      )
      .all() as HistoryRow[];
  } finally {
    d.close();
  }
}

/** The collector's alert table, oldest first, as transition keys. */
export function readAlertKeys(db: string): string[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = d.prepare('SELECT payload FROM alerts ORDER BY id').all() as { payload: string }[];
    return rows.map((r) => alertKey(JSON.parse(r.payload) as AlertMessage));
  } finally {
    d.close();
  }
}

/** What receivers are told to dedupe on (collector/README.md, delivery guarantees). */
export const alertKey = (a: AlertMessage): string =>
  `${a.fleet}/${a.device} ${a.rule} ${a.state} since=${a.since}${a.resend ? ' resend' : ''}`;

/** A real subscriber on every alert topic (persistent session, so a broker restart loses none). */
export async function watchAlerts(url: string, clientId: string) {
  const alerts: AlertMessage[] = [];
  const c = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200 });
  c.on('message', (_t, payload) => {
    const d = decodeAlert(payload);
    if (d.ok) alerts.push(d.value);
  });
  await c.subscribeAsync('redband/v1/+/+/alerts', { qos: 1 });
  return { alerts, keys: () => alerts.map(alertKey), close: () => c.endAsync(true) };
}

/** Messages left in an agent's on-disk outbox (the agent must not be running). */
export function readOutbox(
  outboxDir: string,
  device: string,
): Array<{ boot: string; seq: number }> {
  const d = new Database(join(outboxDir, `rel-${device}`, 'outbox.db'), { fileMustExist: true });
  try {
    const rows = d.prepare('SELECT payload FROM outbox ORDER BY id').all() as { payload: string }[];
    return rows.map((r) => {
      const m = JSON.parse(r.payload) as { boot: string; seq: number };
      return { boot: m.boot, seq: m.seq };
    });
  } finally {
    d.close();
  }
}

/** Groups history rows by device, then boot, in arrival order. */
export function seqsBy(rows: HistoryRow[]): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const r of rows) {
    const byBoot = out.get(r.device) ?? new Map<string, number[]>();
    out.set(r.device, byBoot);
    byBoot.set(r.boot, [...(byBoot.get(r.boot) ?? []), r.seq]);
  }
  return out;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Runs a command as root; throws with its stderr (the tests need root for netns and mounts). */
export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A network namespace joined to the host by a veth pair: a process run inside (`ip netns exec`)
 * reaches the host only over this link, which the test takes down and up again. Root only;
 * without it the test fails with this message rather than skipping (the fault must be tested).
 */
export function makeNetns(tag: string) {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the partition test needs root for network namespaces (ip netns add, veth); run it as root',
    );
  }
  if (!hasCommand('ip')) {
    throw new Error('ip is not installed: apt-get install -y iproute2');
  }
  const id = process.pid % 100_000;
  const ns = `rb-${tag}-${id}`;
  const host = `rbh${id}`;
  const peer = `rbn${id}`;
  const net = `10.213.${id % 250}`;
  const hostIp = `${net}.1`;
  const inNs = (...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);
  const destroy = (): void => {
    // deleting the namespace destroys its end of the pair, and with it the host end
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', host]);
  };
  destroy(); // a leftover of an earlier, killed run with the same pid
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    sh('ip', ['link', 'set', peer, 'netns', ns]);
    sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', host]);
    sh('ip', ['link', 'set', host, 'up']);
    inNs('ip', 'addr', 'add', `${net}.2/30`, 'dev', peer);
    inNs('ip', 'link', 'set', peer, 'up');
    inNs('ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    ns,
    hostIp,
    down: () => sh('ip', ['link', 'set', host, 'down']),
    up: () => sh('ip', ['link', 'set', host, 'up']),
    destroy,
  };
}
