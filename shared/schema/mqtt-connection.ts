// The MQTT connection settings the agent and the collector share: where the broker is, how
// its certificate is checked, who we are. Each side extends this with its own keys
// (agent/config/schema.ts: outbox sending and backoff; collector/config.ts: protocol
// version, shared subscription, session). Reading the files and the password:
// shared/mqtt-credentials.ts.
import { z } from 'zod';

/** the schemes mqtt.js speaks (tcp and ssl are its aliases of mqtt and mqtts) */
export const BROKER_PROTOCOLS = ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'] as const;
/** schemes whose connection is TLS: the only ones `tls` applies to */
export const TLS_PROTOCOLS = ['mqtts', 'wss', 'ssl'] as const;

const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** mqtt://host[:port] and the other schemes mqtt.js speaks, with a host; anything else is an error */
export const brokerUrlSchema = z
  .unknown()
  .transform((v, ctx) => {
    if (typeof v === 'string') {
      try {
        const u = new URL(v);
        if ((BROKER_PROTOCOLS as readonly string[]).includes(u.protocol.slice(0, -1)) && u.hostname)
          return v;
      } catch {
        // not a URL: the issue below
      }
    }
    ctx.addIssue({
      code: 'custom',
      message: `expected an mqtt://, mqtts://, ws:// or wss:// broker URL with a host (like mqtt://host:1883), got ${shown(v)}`,
    });
    return z.NEVER;
  })
  // for the generated docs (scripts/config-docs.ts) and JSON Schemas: a string
  .meta({ type: 'string', format: 'uri' });

/** whether `url` (a valid broker URL) is a TLS connection */
export function isTlsUrl(url: string): boolean {
  return (TLS_PROTOCOLS as readonly string[]).includes(new URL(url).protocol.slice(0, -1));
}

export const envVarNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

export const mqttTlsSchema = z.strictObject({
  /** PEM files; ca: the CA that signed the broker's certificate (default: the system's CAs) */
  ca: z.string().min(1).optional(),
  /** a client certificate and its key, for a broker that requires one (both or neither) */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** false accepts any broker certificate: for a test bench only */
  reject_unauthorized: z.boolean().default(true),
});
export type MqttTlsSettings = z.output<typeof mqttTlsSchema>;

export const mqttConnectionSchema = z.strictObject({
  url: brokerUrlSchema,
  tls: mqttTlsSchema
    .optional()
    .describe('with an mqtts:// or wss:// url: {ca, cert, key, reject_unauthorized}'),
  username: z.string().min(1).optional().describe('the MQTT user name'),
  password_env: envVarNameSchema
    .optional()
    .describe('name of the environment variable holding the password (never the password itself)'),
  client_id: z
    .string()
    .min(1)
    .optional()
    .describe('the MQTT client id (the collector: default stable per host and database file)'),
});
export type MqttConnectionSettings = z.output<typeof mqttConnectionSchema>;
