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
    .default('+'),
  /**
   * the connection settings shared with the agent (shared/schema/mqtt-connection.ts: url,
   * tls, username, password_env, client_id) and the collector's own
   */
  mqtt: mqttConnectionSchema
    .extend({
      /** null: start an embedded broker */
      url: brokerUrlSchema.nullable().default(null),
      protocol_version: z.union([z.literal(4), z.literal(5)]).default(4),
      shared_subscription_group: z
        .string()
        .regex(/^[^/+#]+$/)
        .nullable()
        .default(null),
      clean_session: z.boolean().default(false),
      /** deprecated: the password in the file; use password_env */
      password: z.string().optional(),
    })
    .prefault({}),
  embedded_broker: z
    .strictObject({
      host: z.string().default(DEFAULT_HTTP_HOST),
      port: z.number().int().min(0).max(65535).default(DEFAULT_EMBEDDED_BROKER_PORT),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().default(DEFAULT_HTTP_HOST),
      port: z.number().int().min(0).max(65535).default(DEFAULT_HTTP_PORT),
      token: z.string().min(16, 'use at least 16 characters').nullable().default(null),
    })
    .prefault({}),
  db: z
    .strictObject({
      path: z.string().min(1).default(DEFAULT_DB_PATH),
      history_points_per_device: z.number().int().min(10).default(2000),
      history_max_age: durationSchema.default(7 * 24 * 3_600_000),
      alert_history: z.number().int().min(10).default(10_000),
      /**
       * device rows whose rule state did not move (last metrics, band value, trend) are
       * written this often, not per message; a crash loses at most this much of them
       */
      snapshot_interval: durationSchema.default(5000),
      /**
       * SQLite's page cache, MiB. better-sqlite3 builds with a 16 MiB default, which the
       * collector's RSS grows into as the file grows, and which looks like a leak in a soak
       * (docs/perf.md). The hot pages (device rows, the index leaves being appended to) are
       * few; the rest is read back through the OS page cache, which is not the process's.
       */
      cache_mb: z.number().min(0.5).max(1024).default(DEFAULT_CACHE_MB),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      max_payload_bytes: z
        .number()
        .int()
        .min(1024)
        .default(64 * 1024),
      /**
       * batched: one transaction per event-loop turn (group commit); per-message: the commit
       * precedes each PUBACK, so a process crash cannot lose an acknowledged message, at a
       * fraction of the throughput (see README)
       */
      commit: z.enum(['batched', 'per-message']).default('batched'),
      /**
       * batched: a batch is committed this long after its first message arrived (or at
       * max_batch messages); 0 = at the end of the event-loop turn. Every commit writes the
       * touched pages again, so few big commits cost less CPU than many small ones; the
       * price is up to this much added publish→alert latency
       */
      batch_window: durationSchema.default(10),
      max_batch: z.number().int().min(1).default(1000),
      /** per-device token bucket */
      rate_per_s: z.number().positive().default(10),
      burst: z.number().min(1).default(50),
      /** seqs below a boot's high-water mark remembered for late, out-of-order delivery */
      dedupe_window: z.number().int().min(1).max(4096).default(64),
      /** at most this many devices get their own label in /metrics; the rest share one */
      max_devices: z.number().int().min(1).default(10_000),
      log_period: durationSchema.default(60_000),
    })
    .prefault({}),
  // `name: false` is shorthand for `name: { enabled: false }`; one object schema keeps error paths precise.
  rules: z
    .record(
      ruleName,
      z.preprocess((v) => (v === false ? { enabled: false } : v), ruleInputSchema),
    )
    .default({}),
  forecast: z
    .strictObject({
      /** readings kept for the trend fit (see docs/perf.md, forecast: chosen from healthy and creeping runs) */
      points: z.number().int().min(2).max(64).default(64),
      min_points: z.number().int().min(2).default(5),
      /** two-sided confidence level of the slope's interval: a trend is shown only when it excludes 0 */
      level: z.number().gt(0).lt(1).default(DEFAULT_FORECAST_LEVEL),
      /** forecast an exit at most this far ahead; absent: as far as the fitted points span */
      horizon: durationSchema.optional(),
    })
    .transform(({ horizon, ...f }): ForecastConfig =>
      horizon === undefined ? f : { ...f, horizon_s: horizon / 1000 },
    )
    .prefault({}),
  tick_interval: durationSchema.default(1000),
  summary_interval: durationSchema.default(1000),
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
