// A locked-down mosquitto for the security tests: a CA, a server certificate for
// 127.0.0.1/localhost and per-device client certificates made with openssl; users and
// passwords via mosquitto_passwd; an ACL file; a TLS listener (client certificate required)
// and a plain loopback listener with the same users and ACL (for clients without TLS).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { freePort, hasCommand, tmpDir, waitFor } from './brokers.ts';

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

export interface Pki {
  dir: string;
  ca: string;
  /** client certificate and key of an identity, by name */
  client(name: string): { cert: string; key: string };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA, a server certificate (SAN localhost, 127.0.0.1) and one client certificate per name. */
export function makePki(clients: string[], caName = 'redband-test-ca'): Pki {
  if (!hasCommand('openssl')) throw new Error('openssl is not installed: apt-get install openssl');
  const dir = tmpDir('redband-pki-');
  run(
    'openssl',
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${caName}`,
    ],
    dir,
  );
  const sign = (name: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    run(
      'openssl',
      ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
      dir,
    );
    run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  sign('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  for (const c of clients) sign(c, 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    client: (name) => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }),
  };
}

export interface SecureBroker {
  /** mqtts:// on 127.0.0.1, client certificate required */
  tlsUrl: string;
  /** mqtt:// on 127.0.0.1, same users and ACL */
  plainUrl: string;
  pki: Pki;
  /** mosquitto's log (log_type all) */
  log(): string;
  stop(): Promise<void>;
}

/**
 * mosquitto with `users` (name → password), anonymous refused, and `acl` lines. Devices are
 * meant to be users named like their device id so `pattern … %u …` binds them to their topics.
 */
export async function startSecureBroker(o: {
  users: Record<string, string>;
  acl: string[];
  pki: Pki;
}): Promise<SecureBroker> {
  if (!hasCommand('mosquitto') || !hasCommand('mosquitto_passwd')) {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients');
  }
  const dir = tmpDir('redband-secure-mosquitto-');
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const [user, pw] of Object.entries(o.users))
    run('mosquitto_passwd', ['-b', passwd, user, pw], dir);
  const aclFile = join(dir, 'acl');
  writeFileSync(aclFile, `${o.acl.join('\n')}\n`);
  const logFile = join(dir, 'mosquitto.log');
  const [plain, tls] = [await freePort(), await freePort()];
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      // as root, mosquitto would drop to the `mosquitto` user, who cannot read our temp dirs
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${aclFile}`,
      'persistence false',
      'max_queued_messages 100000',
      `log_dest file ${logFile}`,
      'log_type all',
      `listener ${plain} 127.0.0.1`,
      `listener ${tls} 127.0.0.1`,
      `cafile ${o.pki.ca}`,
      `certfile ${join(o.pki.dir, 'server.pem')}`,
      `keyfile ${join(o.pki.dir, 'server.key')}`,
      'require_certificate true',
      'use_identity_as_username false',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const plainUrl = `mqtt://127.0.0.1:${plain}`;
  const [user, password] = Object.entries(o.users)[0]!;
  await waitFor(async () => {
    const c = await mqtt.connectAsync(plainUrl, {
      username: user,
      password,
      reconnectPeriod: 0,
      connectTimeout: 500,
    });
    await c.endAsync();
    return true;
  }, 'secure mosquitto to accept connections');
  return {
    tlsUrl: `mqtts://127.0.0.1:${tls}`,
    plainUrl,
    pki: o.pki,
    log: () => {
      try {
        return spawnSync('cat', [logFile], { encoding: 'utf8' }).stdout;
      } catch {
        return '';
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** An MQTT 5 client (so refused publishes come back as PUBACK reason codes). */
export function connectAs(
  url: string,
  user: string,
  password: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 5,
    username: user,
    password,
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...extra,
  });
}
