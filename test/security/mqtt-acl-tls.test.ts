// Security with a real, locked-down mosquitto: certificates made here with openssl, users via
// mosquitto_passwd, an ACL that binds each device user to its own topics, a TLS listener that
// requires a client certificate.
//
// The collector connects as the agents do, on the TLS listener with the shared MQTT settings
// (tls.ca/cert/key, username, password_env: shared/schema/mqtt-connection.ts), under the ACL.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startCollector, type Collector } from '../../collector/factories.ts';
import { decodeAlert, deviceTopic, type AlertMessage } from '../../shared/schema/index.ts';
import { REPO } from '../agent/harness.ts';
import { metrics } from '../collector/fixtures.ts';
import { getJson, quietLog, sample } from '../collector/harness.ts';
import { testConfig } from '../collector/fixtures.ts';
import { tmpDir, waitFor } from '../support/brokers.ts';
import { connectAs, makePki, startSecureBroker, type SecureBroker } from '../support/security.ts';

const FLEET = 'plant';
const PW = {
  collector: 'collector-secret',
  ops: 'ops-secret',
  'dev-a': 'a-secret',
  'dev-b': 'b-secret',
};
const ACL = [
  'user collector',
  `topic read redband/v1/${FLEET}/+/metrics`,
  `topic read redband/v1/${FLEET}/+/status`,
  `topic write redband/v1/${FLEET}/+/alerts`,
  `topic write redband/v1/${FLEET}/summary`,
  'user ops',
  `topic read redband/v1/${FLEET}/#`,
  // every device: write only its own metrics and status, read its own alerts
  `pattern write redband/v1/${FLEET}/%u/metrics`,
  `pattern write redband/v1/${FLEET}/%u/status`,
  `pattern read redband/v1/${FLEET}/%u/alerts`,
];

let broker: SecureBroker;
let collector: Collector;
let ops: MqttClient;
const seen: { topic: string; payload: string }[] = [];
const alerts = (): AlertMessage[] =>
  seen.flatMap((m) => {
    const d = decodeAlert(m.payload);
    return d.ok ? [d.value] : [];
  });

beforeAll(async () => {
  const pki = makePki(['dev-a', 'dev-b', 'ops', 'collector']);
  broker = await startSecureBroker({ users: PW, acl: ACL, pki });
  collector = await startCollector(
    testConfig(join(tmpDir(), 'c.db'), {
      fleet: FLEET,
      mqtt: {
        url: broker.tlsUrl,
        tls: { ca: pki.ca, ...pki.client('collector') },
        username: 'collector',
        password_env: 'COLLECTOR_MQTT_PASSWORD',
        client_id: 'collector-sec',
      },
      ingest: { rate_per_s: 1000, burst: 1000 },
    }),
    { logger: quietLog, env: { COLLECTOR_MQTT_PASSWORD: PW.collector } },
  );
  ops = await connectAs(broker.tlsUrl, 'ops', PW.ops, {
    ca: readFileSync(pki.ca),
    cert: readFileSync(pki.client('ops').cert),
    key: readFileSync(pki.client('ops').key),
  });
  ops.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await ops.subscribeAsync(`redband/v1/${FLEET}/#`, { qos: 1 });
});

afterAll(async () => {
  await ops?.endAsync();
  await collector?.stop();
  await broker?.stop();
});

function tlsOpts(name: 'dev-a' | 'dev-b') {
  const c = broker.pki.client(name);
  return {
    ca: readFileSync(broker.pki.ca),
    cert: readFileSync(c.cert),
    key: readFileSync(c.key),
  };
}

async function metricsText(): Promise<string> {
  return (await fetch(`${collector.httpUrl}/metrics`)).text();
}

async function fleetDevice(device: string) {
  const { body } = await getJson<{ devices: { device: string; seq: number; alerts: unknown[] }[] }>(
    `${collector.httpUrl}/api/fleet`,
  );
  return body.devices.find((d) => d.device === device);
}

/** Three readings above the band raise over-coupling with the default rules (3 of 5). */
const breaching = (device: string, seq0: number) =>
  [0, 1, 2, 3].map((i) =>
    metrics({ fleet: FLEET, device, seq: seq0 + i, t: 60_000 * (seq0 + i + 1), value: 9 }),
  );

describe('ACL: a device with valid credentials is confined to its own topics', () => {
  it('the broker refuses dev-a publishing on dev-b topics (metrics, status, alerts)', async () => {
    const a = await connectAs(broker.tlsUrl, 'dev-a', PW['dev-a'], tlsOpts('dev-a'));
    try {
      const forged = breaching('dev-b', 0);
      const refusals: string[] = [];
      for (const m of forged) {
        await a
          .publishAsync(deviceTopic(FLEET, 'dev-b', 'metrics'), JSON.stringify(m), { qos: 1 })
          .catch((e: Error) => refusals.push(e.message));
      }
      const fakeAlert = {
        schema: 'redband.alert',
        version: 1,
        fleet: FLEET,
        device: 'dev-b',
        rule: 'over-coupling',
        state: 'resolved',
      };
      await a
        .publishAsync(deviceTopic(FLEET, 'dev-b', 'alerts'), JSON.stringify(fakeAlert), {
          qos: 1,
        })
        .catch((e: Error) => refusals.push(e.message));
      await a
        .publishAsync(deviceTopic(FLEET, 'dev-a', 'alerts'), JSON.stringify(fakeAlert), {
          qos: 1,
        })
        .catch((e: Error) => refusals.push(e.message));
      // MQTT 5: mosquitto answers each with PUBACK reason 0x87 "Not authorized"
      expect(refusals).toHaveLength(forged.length + 2);
      for (const r of refusals) expect(r).toMatch(/not authori[sz]ed/i);

      // a marker dev-b sends itself, after the forgeries: once it arrives, they would have too
      const b = await connectAs(broker.tlsUrl, 'dev-b', PW['dev-b'], tlsOpts('dev-b'));
      await b.publishAsync(
        deviceTopic(FLEET, 'dev-b', 'metrics'),
        JSON.stringify(metrics({ fleet: FLEET, device: 'dev-b', seq: 100, t: 10_000_000 })),
        { qos: 1 },
      );
      await b.endAsync();
      await waitFor(async () => (await fleetDevice('dev-b'))?.seq === 100, 'dev-b marker');
      expect(seen.filter((m) => m.topic.endsWith('/alerts'))).toEqual([]);
      expect(
        seen
          .filter((m) => m.topic === deviceTopic(FLEET, 'dev-b', 'metrics'))
          .map((m) => JSON.parse(m.payload).seq),
      ).toEqual([100]);
      const text = await metricsText();
      expect(sample(text, 'redband_ingest_accepted_total', { device: 'dev-b' })).toBe(1);
      expect(
        (await fleetDevice('dev-b'))?.alerts.filter(
          (x) => (x as { state: string }).state !== 'inactive',
        ),
      ).toEqual([]);
    } finally {
      await a.endAsync();
    }
  });

  it('the collector drops a payload whose device differs from the topic, and counts it', async () => {
    // dev-a may write its own topic; what it writes there claims to be dev-b
    const a = await connectAs(broker.tlsUrl, 'dev-a', PW['dev-a'], tlsOpts('dev-a'));
    try {
      for (const m of breaching('dev-b', 200))
        await a.publishAsync(deviceTopic(FLEET, 'dev-a', 'metrics'), JSON.stringify(m), {
          qos: 1,
        });
      const text = await waitFor(async () => {
        const t = await metricsText();
        return (
          sample(t, 'redband_ingest_rejected_total', {
            fleet: FLEET,
            device: 'dev-a',
            cause: 'topic-mismatch',
          }) === 4 && t
        );
      }, 'topic-mismatch counted for dev-a');
      expect(sample(text, 'redband_ingest_accepted_total', { device: 'dev-b' })).toBe(1);
      expect((await fleetDevice('dev-b'))?.seq).toBe(100);
      expect(await fleetDevice('dev-a')).toBeUndefined();
      expect(alerts()).toEqual([]);
    } finally {
      await a.endAsync();
    }
  });

  it('the broker refuses a wrong password, an unknown user and a missing client certificate', async () => {
    await expect(connectAs(broker.tlsUrl, 'dev-a', 'wrong', tlsOpts('dev-a'))).rejects.toThrow(
      /not authori[sz]ed|bad user name or password/i,
    );
    await expect(connectAs(broker.tlsUrl, 'mallory', 'x', tlsOpts('dev-a'))).rejects.toThrow(
      /not authori[sz]ed|bad user name or password/i,
    );
    await expect(
      connectAs(broker.tlsUrl, 'dev-a', PW['dev-a'], { ca: readFileSync(broker.pki.ca) }),
    ).rejects.toThrow();
    await expect(connectAs(broker.plainUrl, '', '')).rejects.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// The real agent as a child process, over TLS with its credentials.

interface AgentRun {
  proc: ChildProcess;
  stderr: () => string;
  logs: () => { msg?: string; err?: string; delayMs?: number; level?: number }[];
  exited: Promise<number | null>;
}

function agentConfig(device: 'dev-a' | 'dev-b', passwordEnv: string): string {
  const raw = parseYaml(
    readFileSync(join(REPO, 'firmware-configs', 'sim-vibration.yaml'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  const dir = tmpDir('redband-agent-sec-');
  const c = broker.pki.client(device);
  raw.fleet = FLEET as never;
  raw.device = device as never;
  raw.model!.path = join(REPO, 'models', 'sim-vibration.onnx');
  raw.mqtt = {
    url: broker.tlsUrl,
    tls: { ca: broker.pki.ca, cert: c.cert, key: c.key },
    username: device,
    password_env: passwordEnv,
    backoff_initial_ms: 200,
    backoff_max_ms: 3000,
    flush_timeout_ms: 1000,
  };
  raw.outbox = { dir: join(dir, 'outbox') };
  raw.log = { level: 'info' };
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, toYaml(raw));
  return file;
}

function startAgent(config: string, env: Record<string, string>): AgentRun {
  const proc = spawn(
    process.execPath,
    [join(REPO, 'bin', 'redband.mjs'), 'agent', '--config', config, '--speed', '20'],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    stderr: () => stderr,
    logs: () =>
      stderr.split('\n').flatMap((l) => {
        try {
          return [JSON.parse(l) as { msg?: string; err?: string; delayMs?: number }];
        } catch {
          return [];
        }
      }),
    exited,
  };
}

/** Connections mosquitto refused so far (its log names no user for them). */
const refusedByBroker = (): number =>
  broker
    .log()
    .split('\n')
    .filter((l) => /disconnected, not authori[sz]ed/i.test(l)).length;

async function stopAgent(a: AgentRun): Promise<number | null> {
  if (a.proc.exitCode !== null) return a.proc.exitCode;
  a.proc.kill('SIGTERM');
  return a.exited;
}

describe('agent over TLS with its own credentials', () => {
  it('connects with mqtt.tls.ca/cert/key, username and password_env; metrics reach the collector', async () => {
    const agent = startAgent(agentConfig('dev-a', 'DEV_A_PW'), { DEV_A_PW: PW['dev-a'] });
    try {
      const dev = await waitFor(
        async () => {
          const d = await fleetDevice('dev-a');
          return d && d.seq >= 2 && d;
        },
        'dev-a metrics in the collector',
        30_000,
      );
      expect(dev.seq).toBeGreaterThanOrEqual(2);
      const text = await metricsText();
      expect(sample(text, 'redband_ingest_accepted_total', { device: 'dev-a' })).toBeGreaterThan(2);
      expect(agent.logs().some((l) => l.msg === 'mqtt connected')).toBe(true);
    } finally {
      expect(await stopAgent(agent), agent.stderr()).toBe(0);
    }
  }, 60_000);

  it('with a wrong password it keeps running, logs the refusal and backs off (no crash loop)', async () => {
    const refusedBefore = refusedByBroker();
    const agent = startAgent(agentConfig('dev-b', 'DEV_B_PW'), { DEV_B_PW: 'not-the-password' });
    try {
      await waitFor(
        () => agent.logs().filter((l) => l.msg === 'mqtt reconnect scheduled').length >= 4,
        'four reconnects scheduled',
        30_000,
      );
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 3000));
      expect(agent.proc.exitCode, agent.stderr()).toBeNull();
      const logs = agent.logs();
      const refusals = logs.filter((l) => l.msg === 'mqtt error');
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals[0]!.err).toMatch(/not authori[sz]ed|bad user name or password/i);
      // exponential backoff: the scheduled delays grow towards backoff_max_ms (3 s)
      const delays = logs
        .filter((l) => l.msg === 'mqtt reconnect scheduled')
        .map((l) => l.delayMs!);
      expect(Math.max(...delays.slice(-2))).toBeGreaterThan(delays[0]! * 2);
      // the broker saw few attempts over the whole run, not a tight loop
      const attempts = refusedByBroker() - refusedBefore;
      expect(attempts).toBeGreaterThanOrEqual(4);
      expect(attempts).toBeLessThan(20);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      expect(await fleetDevice('dev-b').then((d) => d?.seq)).toBe(100);
    } finally {
      expect(await stopAgent(agent), agent.stderr()).toBe(0);
    }
  }, 60_000);
});
