// Turns the shared MQTT connection settings (shared/schema/mqtt-connection.ts) into
// mqtt.js's options: reads the TLS files and the password's environment variable. A missing
// file or an unset variable is a configuration problem naming its key, never an exception.
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';
import { isTlsUrl, type MqttConnectionSettings } from './schema/mqtt-connection.ts';

/** what mqtt.js's connect takes for the connection's security (IClientOptions' fields) */
export interface MqttSecurityOptions {
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

export interface ConnectionIssue {
  /** the key, e.g. mqtt.tls.ca */
  path: string;
  message: string;
}

export type ReadConnection =
  { ok: true; options: MqttSecurityOptions } | { ok: false; issues: ConnectionIssue[] };

/**
 * @param m the validated settings (url null: an embedded broker, which speaks plain MQTT)
 * @param prefix the settings' key in its config file, for the issues' paths
 */
export function readMqttConnection(
  m: Omit<MqttConnectionSettings, 'url' | 'client_id'> & { url: string | null },
  env: NodeJS.ProcessEnv = process.env,
  prefix = 'mqtt',
  read: (path: string) => Buffer = readFileSync,
): ReadConnection {
  const issues: ConnectionIssue[] = [];
  const options: MqttSecurityOptions = {};
  if (m.username !== undefined) options.username = m.username;
  if (m.password_env !== undefined) {
    const pw = env[m.password_env];
    if (pw === undefined)
      issues.push({
        path: `${prefix}.password_env`,
        message: `environment variable ${m.password_env} is not set`,
      });
    else options.password = pw;
  }
  const tls = m.tls;
  if (tls) {
    if (m.url === null)
      issues.push({
        path: `${prefix}.tls`,
        message: `needs ${prefix}.url (the embedded broker speaks plain MQTT)`,
      });
    else if (!isTlsUrl(m.url))
      issues.push({
        path: `${prefix}.tls`,
        message: `applies to an mqtts:// or wss:// url only, got ${m.url.split(':')[0]}://`,
      });
    if ((tls.cert === undefined) !== (tls.key === undefined))
      issues.push({
        path: `${prefix}.tls`,
        message: 'cert and key go together: give both or neither',
      });
    for (const k of ['ca', 'cert', 'key'] as const) {
      const file = tls[k];
      if (file === undefined) continue;
      try {
        options[k] = read(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        issues.push({
          path: `${prefix}.tls.${k}`,
          message:
            code === 'ENOENT'
              ? `file not found: ${file}`
              : `cannot read ${file}: ${code ?? (e as Error).message}`,
        });
      }
    }
    options.rejectUnauthorized = tls.reject_unauthorized;
  }
  return issues.length ? { ok: false, issues } : { ok: true, options };
}

/** readMqttConnection, with its issues as one UserError (code 'config'), a line each */
export function mqttConnectionOptions(
  ...args: Parameters<typeof readMqttConnection>
): MqttSecurityOptions {
  const r = readMqttConnection(...args);
  if (r.ok) return r.options;
  const lines = r.issues.map((i) => `${i.path}: ${i.message}`);
  throw new UserError(
    lines.length === 1 ? lines[0]! : `MQTT settings are invalid:\n  ${lines.join('\n  ')}`,
    'config',
  );
}
