// `redband demo`: the embedded broker and the collector, then a fleet of simulated agents
// with scheduled incidents, each a separate process running its own firmware config.
// Consumers start first (collector, live view), producers last; stop runs in reverse.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { UserError } from '../shared/errors.ts';
import {
  decodeAlert,
  decodeMetrics,
  decodeStatus,
  parseDeviceTopic,
} from '../shared/schema/index.ts';
import { writeDeviceConfig } from './configs.ts';
import { applyViewEvent, initialView, type FleetViewDevice, type ViewState } from './live-view.ts';
import { DEMO_OPTION_DEFAULTS, type DemoOptions } from './options.ts';
import { skabReplayFile } from './skab-data.ts';
import { planDemoFleet, type DemoDevice } from './plan.ts';
import { choosePort } from '../shared/net/ports.ts';
import {
  freeze,
  spawnNodeScript,
  spawnRedband,
  stopProcess,
  thaw,
  type ManagedProcess,
} from './processes.ts';

/**
 * Should the demo die without stopping anything (SIGKILL), every child stops by itself; the
 * collector a little later than the agents, so its embedded broker takes their last messages.
 */
const COLLECTOR_ORPHAN_DELAY_MS = 3000;

export interface DemoHandle {
  fleet: DemoDevice[];
  dashboardUrl: string;
  brokerUrl: string;
  view: ViewState;
  /** called after every message the view applied */
  onUpdate: (listener: (event: DemoEvent) => void) => void;
  /** resolves when the demo has stopped (duration over, or stop() called) */
  finished: Promise<void>;
  /** Stops agents first, then the collector. Safe to call twice. */
  stop(): Promise<void>;
}

export type DemoEvent =
  | {
      kind: 'message';
      topicKind: 'metrics' | 'status' | 'alerts';
      device: string;
      /** data time span of a metrics message */
      window?: { start: number; end: number };
    }
  | { kind: 'process-exit'; name: string; code: number | null; signal: string | null }
  | { kind: 'incident'; device: string; what: string };

export interface DemoIo {
  /** one line for the person running the demo (default: stderr) */
  notice?: (line: string) => void;
}

export async function startDemo(
  partial: Partial<DemoOptions> = {},
  io: DemoIo = {},
): Promise<DemoHandle> {
  const notice = io.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const o: DemoOptions = { ...DEMO_OPTION_DEFAULTS, ...partial };
  const skabFile = o.skab ? skabReplayFile(o.skabData) : undefined;
  const fleet = planDemoFleet({
    devices: o.devices,
    seed: o.seed,
    skab: o.skab,
    faultStartS: o.faultStartS,
    faultDurationS: o.faultDurationS,
  });
  rmSync(o.runDir, { recursive: true, force: true });
  mkdirSync(o.runDir, { recursive: true });

  const { httpPort, mqttPort, brokerUrl, dashboardUrl } = await demoPorts(o, notice);
  const listeners: ((e: DemoEvent) => void)[] = [];
  const emit = (e: DemoEvent) => listeners.forEach((l) => l(e));

  const processes: ManagedProcess[] = [];
  const timers: NodeJS.Timeout[] = [];
  let view: MqttClient | null = null;
  let stopping: Promise<void> | null = null;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));

  const stop = () => {
    stopping ??= (async () => {
      timers.forEach(clearTimeout);
      const agents = processes.filter((p) => p.name !== 'collector');
      await Promise.all(agents.map((p) => stopProcess(p)));
      const collector = processes.find((p) => p.name === 'collector');
      if (collector) await stopProcess(collector, 10_000);
      await view?.endAsync(true).catch(() => undefined);
      resolveFinished();
    })();
    return stopping;
  };

  try {
    const collector = spawnRedband(
      'collector',
      [
        'collector',
        '--db',
        join(o.runDir, 'collector.db'),
        '--port',
        String(httpPort),
        ...(o.broker ? ['--broker', o.broker] : ['--mqtt-port', String(mqttPort)]),
      ],
      join(o.runDir, 'collector.log'),
      { orphanStopDelayMs: COLLECTOR_ORPHAN_DELAY_MS },
    );
    processes.push(collector);
    watchExit(collector, emit);
    await waitForHttp(`${dashboardUrl}api/fleet`, collector, 60_000);

    const state = initialView(
      fleet.map((d) => ({ device: d.device, role: d.role, runtime: d.runtime })),
    );
    view = await connectView(brokerUrl, o.fleet, state, emit);
    // Silenced alerts are not published, so the view also reads the collector's own view.
    const poll = setInterval(
      () => void pollFleet(`${dashboardUrl}api/fleet`, o.fleet, state),
      2000,
    );
    poll.unref();
    timers.push(poll);

    for (const d of fleet) {
      const agent = spawnAgent(d, o, brokerUrl, skabFile);
      processes.push(agent);
      watchExit(agent, emit);
      if (d.incident?.kind === 'freeze')
        scheduleFreeze({ device: d, agent, speed: o.speed, listeners, timers, emit });
    }
    if (o.durationS !== null) timers.push(setTimeout(() => void stop(), o.durationS * 1000));
    return {
      fleet,
      dashboardUrl,
      brokerUrl,
      view: state,
      onUpdate: (l) => listeners.push(l),
      finished,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

interface FreezePlan {
  device: DemoDevice;
  agent: ManagedProcess;
  speed: number;
  listeners: ((e: DemoEvent) => void)[];
  timers: NodeJS.Timeout[];
  emit: (e: DemoEvent) => void;
}

/**
 * The freeze is scheduled in the device's data time: from its first metrics message, not
 * from the process start, since a loaded machine may take seconds to start an agent.
 */
function scheduleFreeze(p: FreezePlan): void {
  const d = p.device;
  if (d.incident?.kind !== 'freeze') return;
  const { start_s, duration_s } = d.incident;
  let scheduled = false;
  p.listeners.push((e) => {
    if (scheduled || e.kind !== 'message' || e.device !== d.device || !e.window) return;
    scheduled = true;
    const dataAhead = e.window.start + start_s * 1000 - e.window.end;
    const freezeIn = Math.max(0, dataAhead / p.speed);
    p.timers.push(
      setTimeout(() => {
        freeze(p.agent);
        p.emit({ kind: 'incident', device: d.device, what: 'agent frozen (SIGSTOP)' });
      }, freezeIn),
      setTimeout(
        () => {
          thaw(p.agent);
          p.emit({ kind: 'incident', device: d.device, what: 'agent resumed (SIGCONT)' });
        },
        freezeIn + (duration_s * 1000) / p.speed,
      ),
    );
  });
}

/**
 * The demo's ports: the asked ones when free, else free ones, said once (the dashboard's URL
 * is what `redband silence --url` needs); no embedded broker port with an external broker.
 */
async function demoPorts(o: DemoOptions, notice: (line: string) => void) {
  const httpPort = await choosePort(o.httpPort);
  const mqttPort = o.broker ? 0 : await choosePort(o.mqttPort);
  const brokerUrl = o.broker ?? `mqtt://127.0.0.1:${mqttPort}`;
  const dashboardUrl = `http://127.0.0.1:${httpPort}/`;
  if (httpPort !== o.httpPort) {
    notice(
      `redband demo: port ${o.httpPort} is taken; the dashboard and API are on port ${httpPort} (${dashboardUrl}; redband silence needs --url ${dashboardUrl.slice(0, -1)})`,
    );
  }
  if (!o.broker && mqttPort !== o.mqttPort) {
    notice(`redband demo: port ${o.mqttPort} is taken; the embedded broker is on port ${mqttPort}`);
  }
  return { httpPort, mqttPort, brokerUrl, dashboardUrl };
}

/** One device's agent: its config written, run from the CLI or the bundle, logging to a file. */
function spawnAgent(
  d: DemoDevice,
  o: DemoOptions,
  brokerUrl: string,
  skabFile: string | undefined,
): ManagedProcess {
  const configFile = writeDeviceConfig(d, {
    fleet: o.fleet,
    brokerUrl,
    runDir: o.runDir,
    skabSpeed: o.skabSpeed,
    simSpeed: o.speed,
    skabFile,
  });
  const logFile = join(o.runDir, `${d.device}.log`);
  return o.bundle?.devices.includes(d.device)
    ? spawnNodeScript(d.device, o.bundle.script, ['--config', configFile], logFile)
    : spawnRedband(d.device, ['agent', '--config', configFile], logFile);
}

function watchExit(p: ManagedProcess, emit: (e: DemoEvent) => void): void {
  p.child.on('exit', (code, signal) => emit({ kind: 'process-exit', name: p.name, code, signal }));
}

async function waitForHttp(url: string, p: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exit) {
      throw new UserError(
        `the collector exited (${p.exit.code ?? p.exit.signal}) before it was ready:\n${tail(p.logFile)}`,
      );
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new UserError(
    `the collector did not answer ${url} within ${timeoutMs / 1000} s:\n${tail(p.logFile)}`,
  );
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** One read of /api/fleet into the view; a failed read is skipped (the next one retries). */
async function pollFleet(url: string, fleet: string, state: ViewState): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    if (!res.ok) return;
    const body = (await res.json()) as { devices?: (FleetViewDevice & { fleet: string })[] };
    for (const device of body.devices ?? []) {
      if (device.fleet !== fleet) continue;
      applyViewEvent(state, { kind: 'fleet', device });
    }
  } catch {
    // the collector is starting or stopping
  }
}

async function connectView(
  url: string,
  fleet: string,
  state: ViewState,
  emit: (e: DemoEvent) => void,
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: `redband-demo-view-${process.pid}`,
    reconnectPeriod: 1000,
  });
  await client.subscribeAsync(`redband/v1/${fleet}/+/+`, { qos: 1 });
  client.on('message', (topic, payload) => {
    const parsed = parseDeviceTopic(topic);
    if (!parsed) return;
    const receivedAt = Date.now();
    if (parsed.kind === 'metrics') {
      const d = decodeMetrics(payload);
      if (!d.ok) return;
      applyViewEvent(state, { kind: 'metrics', message: d.value, receivedAt });
      const window = { start: d.value.window_start, end: d.value.window_end };
      emit({ kind: 'message', topicKind: 'metrics', device: parsed.device, window });
      return;
    } else if (parsed.kind === 'status') {
      const d = decodeStatus(payload);
      if (d.ok) applyViewEvent(state, { kind: 'status', message: d.value, receivedAt });
    } else if (parsed.kind === 'alerts') {
      const d = decodeAlert(payload);
      if (d.ok) applyViewEvent(state, { kind: 'alert', message: d.value, receivedAt });
    } else {
      return; // commands are for the agents
    }
    emit({ kind: 'message', topicKind: parsed.kind, device: parsed.device });
  });
  return client;
}
