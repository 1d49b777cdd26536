// How `redband demo` stops, with real processes: Ctrl-C in a terminal sends SIGINT to the
// whole foreground process group, yet only the demo may take it, and stop the agents first
// (every message delivered while the embedded broker is still up), then the collector. A
// demo killed outright (SIGKILL) leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  decodeAlert,
  decodeMetrics,
  parseDeviceTopic,
  type AlertMessage,
} from '../../shared/schema/index.ts';
import { freePort, tmpDir, waitFor } from '../support/brokers.ts';
import { REPO } from '../support/processes.ts';

const DEVICES = ['sim-01', 'sim-02'];

interface DemoRun {
  child: ChildProcess;
  runDir: string;
  stdout: () => string;
  exited: Promise<number | null>;
  /** metrics seq numbers seen on the broker, per device */
  seqs: Map<string, number[]>;
  /** alert notifications the collector published */
  alerts: AlertMessage[];
  client: MqttClient;
}

const started: DemoRun[] = [];
/** pids a failing test may have left running (the children of a killed demo, before the fix) */
const leftovers = new Set<number>();

afterEach(async () => {
  for (const run of started.splice(0)) {
    await run.client.endAsync(true).catch(() => undefined);
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
});
afterAll(() => {
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** Starts the demo as a terminal starts a job: its own process group, which it leads. */
async function startDemo(extra: string[] = []): Promise<DemoRun> {
  const runDir = tmpDir('redband-demo-stop-');
  const mqttPort = await freePort();
  const args = ['--devices', String(DEVICES.length), '--speed', '10', '--run-dir', runDir];
  args.push('--port', String(await freePort()), '--mqtt-port', String(mqttPort), ...extra);
  const child = spawn(process.execPath, ['bin/redband.mjs', 'demo', ...args], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const client = await waitFor(
    () => mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 }),
    'the embedded broker',
    60_000,
    200,
  );
  const seqs = new Map<string, number[]>();
  const alerts: AlertMessage[] = [];
  client.on('message', (topic, payload) => {
    const t = parseDeviceTopic(topic);
    if (t?.kind === 'alerts') {
      const a = decodeAlert(payload);
      if (a.ok) alerts.push(a.value);
      return;
    }
    const d = decodeMetrics(payload);
    if (d.ok && t) seqs.set(t.device, [...(seqs.get(t.device) ?? []), d.value.seq]);
  });
  await client.subscribeAsync(['redband/v1/demo/+/metrics', 'redband/v1/demo/+/alerts'], {
    qos: 1,
  });
  const run = { child, runDir, stdout: () => stdout, exited, seqs, alerts, client };
  started.push(run);
  return run;
}

/** Until every device has published a few snapshots. */
function metricsFlowing(run: DemoRun): Promise<boolean> {
  return waitFor(
    () => DEVICES.every((d) => (run.seqs.get(d)?.length ?? 0) >= 3),
    'metrics from every device',
    90_000,
    200,
  );
}

function logRecords(run: DemoRun, name: string): Record<string, unknown>[] {
  return readFileSync(join(run.runDir, `${name}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Each agent took the demo's SIGTERM (not the terminal's SIGINT) and left nothing behind. */
function expectCleanAgentStops(run: DemoRun): void {
  for (const device of DEVICES) {
    const records = logRecords(run, device);
    const stopping = records.find((r) => r.msg === 'stopping');
    expect(stopping?.signal, `${device}: the signal that stopped it`).toBe('SIGTERM');
    const sink = records.find((r) => r.msg === 'mqtt sink stopped');
    expect(sink, `${device}: its sink's last words`).toMatchObject({
      depth: 0,
      unstored: 0,
      inMemory: 0,
    });
  }
}

/** A clean stop of the fleet is not a fleet of silent devices. */
function expectNoSilentAlert(run: DemoRun): void {
  const silent = run.alerts.filter((a) => a.rule === 'silent');
  expect(silent.map((a) => `${a.device}: silent ${a.state}`)).toEqual([]);
  expect(run.stdout()).not.toMatch(/silent → firing/);
}

function alive(pid: number): boolean {
  try {
    // a zombie (exited, waiting for a parent that never reaps it) is not running
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The demo's child processes: the collector and the agents (bin/redband.mjs). */
function redbandChildren(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (parent === ppid && cmd.includes('bin/redband.mjs')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('redband demo: stopping', () => {
  it(
    "Ctrl-C (SIGINT to the demo's process group): agents first, every message delivered, then the collector",
    { timeout: 150_000 },
    async () => {
      const run = await startDemo();
      await metricsFlowing(run);
      // what a terminal does on Ctrl-C: the signal to every process of the foreground group
      process.kill(-run.child.pid!, 'SIGINT');
      expect(await run.exited, run.stdout()).toBe(0);

      expectCleanAgentStops(run);
      const collectorLog = readFileSync(join(run.runDir, 'collector.log'), 'utf8');
      expect(collectorLog).toContain('redband collector: SIGTERM, stopping');
      // the demo reports each exit as it happens: the collector's comes after every agent's
      const exits = run
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('process '));
      expect(exits.slice(-1), run.stdout()).toEqual(['process collector exited (0)']);
      expect(exits.slice(0, -1).sort()).toEqual(DEVICES.map((d) => `process ${d} exited (0)`));
      // what reached the broker is each agent's run without a gap: seq n, n+1, n+2, …
      for (const device of DEVICES) {
        const seqs = run.seqs.get(device)!;
        expect(seqs, device).toEqual(seqs.map((_, i) => seqs[0]! + i));
      }
      expectNoSilentAlert(run);
    },
  );

  it(
    'the end of --duration: agents say goodbye, no device is called silent',
    {
      timeout: 150_000,
    },
    async () => {
      // long enough for the warm-up at 10× (64 s of data), so live metrics flow before the end
      const run = await startDemo(['--duration', '12']);
      expect(await run.exited, run.stdout()).toBe(0);
      expect(
        DEVICES.every((d) => (run.seqs.get(d)?.length ?? 0) >= 3),
        run.stdout(),
      ).toBe(true);
      expectCleanAgentStops(run);
      expectNoSilentAlert(run);
    },
  );

  it(
    'a SIGKILLed demo: its children stop by themselves, agents before the collector',
    { timeout: 150_000 },
    async () => {
      const run = await startDemo();
      await metricsFlowing(run);
      const children = redbandChildren(run.child.pid!);
      children.forEach((pid) => leftovers.add(pid));
      expect(children).toHaveLength(DEVICES.length + 1);
      run.child.kill('SIGKILL');
      await run.exited;
      await waitFor(
        () => children.every((pid) => !alive(pid)),
        "the killed demo's children to end",
        30_000,
        200,
      );
      expectCleanAgentStops(run);
      const stopped = logRecords(run, 'collector').find((r) => r.msg === 'collector stopped');
      expect(stopped, 'the collector stopped cleanly').toBeDefined();
      const agentsStopped = DEVICES.map(
        (d) => logRecords(run, d).find((r) => r.msg === 'mqtt sink stopped')!.time as number,
      );
      expect(stopped!.time as number).toBeGreaterThan(Math.max(...agentsStopped));
    },
  );
});
