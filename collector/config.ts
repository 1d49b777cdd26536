// Collector configuration: optional YAML → strict zod schema (unknown keys are errors) →
// cross-checks. Every error names its path. The defaults alone are a working collector.
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  ConfigError,
  configIssues,
  formatPath,
  type ConfigIssue,
} from '../shared/config/issues.ts';
import { readYamlConfig } from '../shared/config/yaml.ts';
import { brokerUrlSchema, mqttConnectionSchema, topicIdSchema } from '../shared/schema/index.ts';
import {
  DEFAULT_DB_PATH,
  DEFAULT_EMBEDDED_BROKER_PORT,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
} from './defaults.ts';
import { durationSchema } from './duration.ts';
import { DEFAULT_FORECAST_LEVEL } from './rules/forecast.ts';
import { got, mergeRules, ruleInputSchema } from './rules/config.ts';
import type { ForecastConfig, Rule } from './rules/types.ts';

export { DEFAULT_RULES, RULE_FIELDS } from './rules/config.ts';

/** `db.cache_mb`'s default: see the schema for why it is set at all */
export const DEFAULT_CACHE_MB = 4;

const ruleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "-" and "_"');

export const configSchema = z.strictObject({
  /** subscribe to one fleet (topic sharding) or all: '+' */
  fleet: z
    .union([z.literal('+'), topicIdSchema], {
      error: (i) => `expected "+" (every fleet) or one fleet id, ${got(i.input)}`,
    })
    .default('+')
    .describe('one fleet id (topic sharding), or + for every fleet'),
  /**
   * the connection settings shared with the agent (shared/schema/mqtt-connection.ts: url,
   * tls, username, password_env, client_id) and the collector's own
   */
  mqtt: mqttConnectionSchema
    .extend({
      url: brokerUrlSchema.nullable().default(null).describe('null: start an embedded broker'),
      protocol_version: z
        .union([z.literal(4), z.literal(5)])
        .default(4)
        .describe('MQTT 3.1.1 (4), or 5 for shared subscriptions on MQTT 5 brokers'),
      shared_subscription_group: z
        .string()
        .regex(/^[^/+#]+$/)
        .nullable()
        .default(null)
        .describe(
          'collectors sharing one subscription split the messages (each needs its client_id)',
        ),
      clean_session: z
        .boolean()
        .default(false)
        .describe('false: a persistent session, so messages sent while the collector is down wait'),
      password: z
        .string()
        .optional()
        .describe('deprecated: the password in the file; use password_env'),
    })
    .prefault({}),
  embedded_broker: z
    .strictObject({
      host: z.string().default(DEFAULT_HTTP_HOST).describe("the embedded broker's bind address"),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(DEFAULT_EMBEDDED_BROKER_PORT)
        .describe("the embedded broker's port (0: any free one)"),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z
        .string()
        .default(DEFAULT_HTTP_HOST)
        .describe('HTTP bind address; off loopback a token is required'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(DEFAULT_HTTP_PORT)
        .describe('HTTP port of the dashboard, the API and /metrics'),
      token: z
        .string()
        .min(16, 'use at least 16 characters')
        .nullable()
        .default(null)
        .describe(
          'bearer token for every HTTP request (--http-token-env reads it from the environment)',
        ),
    })
    .prefault({}),
  db: z
    .strictObject({
      path: z.string().min(1).default(DEFAULT_DB_PATH).describe('the SQLite file'),
      history_points_per_device: z
        .number()
        .int()
        .min(10)
        .default(2000)
        .describe('history points kept per device'),
      history_max_age: durationSchema
        .default(7 * 24 * 3_600_000)
        .describe(
          "history older than this (data time, against the device's newest point) is pruned",
        ),
      alert_history: z.number().int().min(10).default(10_000).describe('alert transitions kept'),
      snapshot_interval: durationSchema
        .default(5000)
        .describe(
          'device rows whose rule state did not move (last metrics, band value, trend) are written this often, not per message; a crash loses at most this much of them',
        ),
      cache_mb: z
        .number()
        .min(0.5)
        .max(1024)
        .default(DEFAULT_CACHE_MB)
        .describe(
          "SQLite's page cache, MiB. better-sqlite3 builds with a 16 MiB default, which the collector's RSS grows into as the file grows, and which looks like a leak in a soak (docs/perf.md). The hot pages (device rows, the index leaves being appended to) are few; the rest is read back through the OS page cache, which is not the process's.",
        ),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      max_payload_bytes: z
        .number()
        .int()
        .min(1024)
        .default(64 * 1024)
        .describe('larger messages are rejected before they are parsed'),
      commit: z
        .enum(['batched', 'per-message'])
        .default('batched')
        .describe(
          'batched: one transaction per event-loop turn (group commit); per-message: the commit precedes each PUBACK, so a process crash cannot lose an acknowledged message, at a fraction of the throughput (see README)',
        ),
      batch_window: durationSchema
        .default(10)
        .describe(
          'batched: a batch is committed this long after its first message arrived (or at max_batch messages); 0 = at the end of the event-loop turn. Every commit writes the touched pages again, so few big commits cost less CPU than many small ones; the price is up to this much added publish→alert latency',
        ),
      max_batch: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('messages per committed batch, at most'),
      rate_per_s: z.number().positive().default(10).describe('per-device token bucket'),
      burst: z.number().min(1).default(50).describe('messages a device may burst to'),
      dedupe_window: z
        .number()
        .int()
        .min(1)
        .max(4096)
        .default(64)
        .describe("seqs below a boot's high-water mark remembered for late, out-of-order delivery"),
      max_devices: z
        .number()
        .int()
        .min(1)
        .default(10_000)
        .describe('at most this many devices get their own label in /metrics; the rest share one'),
      log_period: durationSchema
        .default(60_000)
        .describe('a repeating rejection is logged once per period, with the count held back'),
    })
    .prefault({}),
  // `name: false` is shorthand for `name: { enabled: false }`; one object schema keeps error paths precise.
  rules: z
    .record(
      ruleName,
      z.preprocess((v) => (v === false ? { enabled: false } : v), ruleInputSchema),
    )
    .default({})
    .describe(
      'built-in rules adjusted by name or removed (false), and new rules (see Rules above)',
    ),
  forecast: z
    .strictObject({
      points: z
        .number()
        .int()
        .min(2)
        .max(64)
        .default(64)
        .describe(
          'readings kept for the trend fit (see docs/perf.md, forecast: chosen from healthy and creeping runs)',
        ),
      min_points: z
        .number()
        .int()
        .min(2)
        .default(5)
        .describe('fewer readings than this: no forecast'),
      level: z
        .number()
        .gt(0)
        .lt(1)
        .default(DEFAULT_FORECAST_LEVEL)
        .describe(
          "two-sided confidence level of the slope's interval: a trend is shown only when it excludes 0",
        ),
      horizon: durationSchema
        .optional()
        .describe(
          'forecast an exit at most this far ahead; absent: as far as the fitted points span',
        ),
    })
    .transform(({ horizon, ...f }): ForecastConfig =>
      horizon === undefined ? f : { ...f, horizon_s: horizon / 1000 },
    )
    .prefault({}),
  tick_interval: durationSchema
    .default(1000)
    .describe('how often silent devices, timers and resends are checked'),
  summary_interval: durationSchema
    .default(1000)
    .describe("how often changed fleets' retained summaries are published"),
});
export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type CollectorConfig = Omit<ParsedConfig, 'rules'> & { rules: Rule[] };

/**
 * Every problem on its own line, `source: key: what a valid value looks like`; `source`
 * 'configuration' (command-line settings alone, no file) is left out: the key says where.
 */
function invalid(source: string, issues: ConfigIssue[]): ConfigError {
  return new ConfigError(source === 'configuration' ? '' : source, issues);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Validates raw config (parsed YAML with CLI overrides applied); throws UserError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): CollectorConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalid(source, configIssues(parsed.error));
  const c = parsed.data;
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, message });
  const rules = mergeRules(c.rules, (p, m) => issue(formatPath(['rules', ...p]), m));
  if (c.forecast.min_points > c.forecast.points)
    issue('forecast.min_points', 'must be ≤ forecast.points');
  if (!isLoopback(c.http.host) && c.http.token === null)
    issue('http.token', `required when http.host (${c.http.host}) is not a loopback address`);
  if (c.mqtt.password !== undefined && c.mqtt.password_env !== undefined)
    issue(
      'mqtt.password',
      'give mqtt.password_env (the name of an environment variable holding it) or the deprecated mqtt.password, not both',
    );
  if (c.mqtt.shared_subscription_group !== null && c.mqtt.url === null)
    issue(
      'mqtt.shared_subscription_group',
      'needs mqtt.url (the embedded broker has no shared subscriptions)',
    );
  if (c.mqtt.shared_subscription_group !== null && c.mqtt.client_id === undefined)
    issue(
      'mqtt.client_id',
      'required with a shared subscription (each member needs its own, stable id)',
    );
  if (issues.length) throw invalid(source, issues);
  return { ...c, rules };
}

/** Reads a YAML config file (shared/config/yaml.ts: line numbers, alias cap, a mapping). */
export function readConfigFile(file: string): Record<string, unknown> {
  return readYamlConfig(file);
}
