// The collector on a TLS broker, as real processes: a real mosquitto (certificates made with
// openssl, a TLS listener that requires a client certificate, users with passwords) and
// `redband collector` started with a YAML file whose mqtt keys are the agent's (tls.ca, cert,
// key, username, password_env, client_id: shared/schema/mqtt-connection.ts). A wrong CA is a
// logged, retried connection error with /readyz saying why; a missing TLS file, an unset
// password variable or a plain password beside password_env are config errors (exit 2, one
// line). And the HTTP token from an environment variable: --host 0.0.0.0 without a YAML file.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { metrics } from '../collector/fixtures.ts';
import { getJson } from '../collector/harness.ts';
import { freePort, tmpDir, waitFor } from '../support/brokers.ts';
import { killLeftovers, REPO, spawnTracked, type Proc } from '../support/processes.ts';
import {
  connectAs,
  makePki,
  startSecureBroker,
  type Pki,
  type SecureBroker,
} from '../support/security.ts';
import { deviceTopic } from '../../shared/schema/index.ts';

const FLEET = 'plant';
const PW = { collector: 'collector-secret', 'dev-a': 'a-secret' };
const ACL = [
  'user collector',
  `topic read redband/v1/${FLEET}/+/metrics`,
  `topic read redband/v1/${FLEET}/+/status`,
  `topic write redband/v1/${FLEET}/+/alerts`,
  `topic write redband/v1/${FLEET}/summary`,
  `pattern write redband/v1/${FLEET}/%u/metrics`,
];
const PW_ENV = 'REDBAND_TEST_COLLECTOR_MQTT_PW';

let broker: SecureBroker;
let pki: Pki;
let otherCa: Pki;

beforeAll(async () => {
  pki = makePki(['collector', 'dev-a']);
  otherCa = makePki([], 'some-other-ca');
  broker = await startSecureBroker({ users: PW, acl: ACL, pki });
  process.env[PW_ENV] = PW.collector; // the collector processes inherit it
});

afterAll(async () => {
  await killLeftovers();
  await broker?.stop();
  delete process.env[PW_ENV];
});

type Readyz = { ready: boolean; reason?: string };

/** A config file in its own directory; the TLS files named relative to it where possible. */
function configFile(mqtt: Record<string, unknown>, httpPort: number): string {
  const dir = tmpDir();
  const file = join(dir, 'collector.yaml');
  writeFileSync(
    file,
    toYaml({
      fleet: FLEET,
      mqtt,
      http: { port: httpPort },
      db: { path: join(dir, 'c.db') },
    }),
  );
  return file;
}

function tlsMqtt(ca = pki.ca, dir?: string) {
  const c = pki.client('collector');
  const rel = (p: string) => (dir ? relative(dir, p) : p);
  return {
    url: broker.tlsUrl,
    tls: { ca: rel(ca), cert: rel(c.cert), key: rel(c.key) },
    username: 'collector',
    password_env: PW_ENV,
    client_id: 'collector-tls',
  };
}

function collector(...args: string[]): Proc {
  return spawnTracked('collector', process.execPath, ['bin/redband.mjs', 'collector', ...args]);
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ['bin/redband.mjs', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
    env,
  });
  return { status: r.status, lines: r.stderr.split('\n').filter((l) => l.startsWith('redband')) };
}

describe('a collector on an mqtts:// broker', () => {
  it('ingests metrics over TLS with a client certificate, a username and a password from an environment variable', async () => {
    const port = await freePort();
    const dir = tmpDir();
    const file = join(dir, 'collector.yaml');
    // the TLS files relative to the config file's directory
    writeFileSync(
      file,
      toYaml({
        fleet: FLEET,
        mqtt: tlsMqtt(pki.ca, dir),
        http: { port },
        db: { path: join(dir, 'c.db') },
      }),
    );
    const proc = collector('--config', file);
    const base = `http://127.0.0.1:${port}`;
    let dev: MqttClient | null = null;
    try {
      await waitFor(
        async () => {
          if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
          const r = await getJson<Readyz>(`${base}/readyz`).catch(() => null);
          return r?.status === 200 && r.body.ready;
        },
        '/readyz 200 over mqtts',
        20_000,
      );
      const c = pki.client('dev-a');
      dev = await connectAs(broker.tlsUrl, 'dev-a', PW['dev-a'], {
        ca: readFileSync(pki.ca),
        cert: readFileSync(c.cert),
        key: readFileSync(c.key),
      });
      await dev.publishAsync(
        deviceTopic(FLEET, 'dev-a', 'metrics'),
        JSON.stringify(metrics({ fleet: FLEET, device: 'dev-a', seq: 1 })),
        { qos: 1 },
      );
      await waitFor(async () => {
        const r = await getJson<{ devices: { device: string; seq: number }[] }>(
          `${base}/api/fleet`,
        );
        return r.body.devices.some((d) => d.device === 'dev-a' && d.seq === 1);
      }, 'the metrics message ingested over TLS');
      // the broker saw the collector's user on its TLS listener
      expect(broker.log()).toMatch(/New client connected from .* as collector-tls .*u'collector'/);
    } finally {
      await dev?.endAsync();
      await proc.kill();
    }
    expect(proc.stderr()).not.toContain('    at ');
  });

  it('a wrong CA is a logged connection error, retried, with /readyz saying why: no crash', async () => {
    const port = await freePort();
    const proc = collector('--config', configFile(tlsMqtt(otherCa.ca), port));
    const base = `http://127.0.0.1:${port}`;
    const why =
      /^waiting for the broker at mqtts:\/\/127\.0\.0\.1:\d+: .*certificate.* \([A-Z_]+\), next try in \d+ (ms|s)$/;
    try {
      const r = await waitFor(
        async () => {
          if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
          const res = await getJson<Readyz>(`${base}/readyz`).catch(() => null);
          const tries = proc
            .stderr()
            .split('\n')
            .filter((l) => l.startsWith('{') && why.test((JSON.parse(l) as { msg: string }).msg));
          return res?.status === 503 && why.test(res.body.reason ?? '') && tries.length >= 2 && res;
        },
        '/readyz 503 naming the certificate problem, two tries logged',
        20_000,
      );
      expect(r.body.ready).toBe(false);
      expect(proc.running).toBe(true);
    } finally {
      await proc.kill();
    }
    expect(proc.stderr()).not.toContain('    at ');
  });

  it('tls.reject_unauthorized: false accepts that broker anyway (a test bench)', async () => {
    const port = await freePort();
    const m = tlsMqtt(otherCa.ca);
    const proc = collector(
      '--config',
      configFile({ ...m, tls: { ...m.tls, reject_unauthorized: false } }, port),
    );
    try {
      await waitFor(
        async () => {
          if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
          const r = await getJson<Readyz>(`http://127.0.0.1:${port}/readyz`).catch(() => null);
          return r?.status === 200 && r.body.ready;
        },
        '/readyz 200 with certificate checks off',
        20_000,
      );
    } finally {
      await proc.kill();
    }
  });
});

describe('MQTT settings that cannot be used: exit 2, one line naming the key', () => {
  it('a TLS file that does not exist', async () => {
    const missing = join(tmpDir(), 'nope-ca.pem');
    const r = run(['collector', '--config', configFile(tlsMqtt(missing), await freePort())]);
    expect(r).toEqual({ status: 2, lines: [`redband: mqtt.tls.ca: file not found: ${missing}`] });
  });

  it('a password variable that is not set', async () => {
    const env = { ...process.env };
    delete env[PW_ENV];
    const r = run(['collector', '--config', configFile(tlsMqtt(), await freePort())], env);
    expect(r).toEqual({
      status: 2,
      lines: [`redband: mqtt.password_env: environment variable ${PW_ENV} is not set`],
    });
  });

  it('the deprecated plain password beside password_env', async () => {
    const file = configFile({ ...tlsMqtt(), password: 'x' }, await freePort());
    const r = run(['collector', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([
      `redband: ${file}: mqtt.password: give mqtt.password_env (the name of an environment variable holding it) or the deprecated mqtt.password, not both`,
    ]);
  });

  it('tls with a plain mqtt:// URL, and a key that is not a TLS setting', async () => {
    const r = run([
      'collector',
      '--config',
      configFile({ ...tlsMqtt(), url: broker.plainUrl }, await freePort()),
    ]);
    expect(r).toEqual({
      status: 2,
      lines: ['redband: mqtt.tls: applies to an mqtts:// or wss:// url only, got mqtt://'],
    });
    const bad = configFile({ ...tlsMqtt(), tls: { ca: pki.ca, verify: false } }, 0);
    const r2 = run(['collector', '--config', bad]);
    expect(r2.status).toBe(2);
    expect(r2.lines).toEqual([`redband: ${bad}: mqtt.tls.verify: unknown key`]);
  });
});

describe('the HTTP token from an environment variable', () => {
  const TOKEN = 'a-token-from-the-environment-42';

  it('--host 0.0.0.0 --http-token-env serves with no YAML file; the API needs the token', async () => {
    const port = await freePort();
    process.env.REDBAND_HTTP_TOKEN = TOKEN;
    let proc: Proc;
    try {
      proc = collector(
        '--host',
        '0.0.0.0',
        '--http-token-env',
        '--port',
        String(port),
        '--mqtt-port',
        String(await freePort()),
        '--db',
        join(tmpDir(), 'c.db'),
      );
    } finally {
      delete process.env.REDBAND_HTTP_TOKEN;
    }
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (!proc.running) throw new Error(`collector exited: ${proc.stderr()}`);
          return (await fetch(`${base}/api/fleet`).catch(() => null))?.status === 401;
        },
        'the API refusing a request without the token',
        20_000,
      );
      const ok = await fetch(`${base}/api/fleet`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await proc.kill();
    }
  });

  it('a variable named by --http-token-env VAR that is unset, and no token at all: exit 2', async () => {
    const env = { ...process.env };
    delete env.MY_TOKEN;
    expect(
      run(['collector', '--host', '0.0.0.0', '--http-token-env', 'MY_TOKEN', '--port', '0'], env),
    ).toEqual({
      status: 2,
      lines: ['redband: --http-token-env: environment variable MY_TOKEN is not set'],
    });
    expect(run(['collector', '--host', '0.0.0.0', '--port', '0'], env)).toEqual({
      status: 2,
      lines: ['redband: http.token: required when http.host (0.0.0.0) is not a loopback address'],
    });
    // from a named variable, too short: the key it fills is named
    expect(
      run(['collector', '--host', '0.0.0.0', '--http-token-env', 'MY_TOKEN', '--port', '0'], {
        ...env,
        MY_TOKEN: 'short',
      }),
    ).toEqual({ status: 2, lines: ['redband: http.token: use at least 16 characters'] });
  });
});
