// Collector configuration: optional YAML → strict zod schema (unknown keys are errors) →
// cross-checks. Every error names its path. The defaults alone are a working collector.
import {
  DEFAULT_CLEAR_FRACTION,
  DEFAULT_CLEAR_READINGS,
  DEFAULT_CONFIRM,
  DEFAULT_SETTLE_FRACTION,
} from '../shared/detect/episode.ts';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SCALAR_MEASURES } from '../shared/measures/types.ts';
import {
  brokerUrlSchema,
  formatPath,
  mqttConnectionSchema,
  topicIdSchema,
} from '../shared/schema/index.ts';
import { UserError } from '../shared/errors.ts';
import {
  DEFAULT_DB_PATH,
  DEFAULT_EMBEDDED_BROKER_PORT,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
} from './defaults.ts';
import { durationSchema } from './duration.ts';
import { DEVICE_LIMIT_FIELDS } from './rules/readings.ts';
import { DEFAULT_FORECAST_LEVEL } from './rules/forecast.ts';
import type { ForecastConfig, ForSpec, Rule, RuleField } from './rules/types.ts';

/** `db.cache_mb`'s default: see the schema for why it is set at all */
export const DEFAULT_CACHE_MB = 4;

export const RULE_FIELDS = [
  'band_value',
  'drift',
  'drift_mean',
  'recon_mean',
  'coupling_shift',
  ...SCALAR_MEASURES.map((m) => `measures.${m}` as const),
] as const satisfies readonly RuleField[];

/** `got <value>` for an error message, short */
const got = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return `got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
};

const forSchema = z.union(
  [
    durationSchema.transform((ms): ForSpec => ({ kind: 'duration', ms })),
    z
      .strictObject({ readings: z.number().int().min(1), of: z.number().int().min(1) })
      .refine((v) => v.readings <= v.of, { message: 'readings must be ≤ of' })
      .transform((v): ForSpec => ({ kind: 'n-of-m', n: v.readings, m: v.of })),
  ],
  { error: (i) => `expected a duration like "30s" or {readings: N, of: M}, ${got(i.input)}` },
);

/** One rule in YAML; every key optional so a built-in rule can be adjusted by name. */
const ruleInputSchema = z.strictObject({
  /** false removes the rule (built-in rules too) */
  enabled: z.boolean().optional(),
  kind: z.enum(['threshold', 'silent']).optional(),
  field: z.enum(RULE_FIELDS).optional(),
  op: z.enum(['above', 'below']).optional(),
  threshold: z
    .union(
      [
        z.number().refine(Number.isFinite, 'must be finite'),
        z.literal('band'),
        z.literal('device'),
      ],
      { error: (i) => `expected a number, "band" or "device", ${got(i.input)}` },
    )
    .optional(),
  clear_margin: z.number().min(0).max(0.5).optional(),
  clear_threshold: z.number().refine(Number.isFinite, 'must be finite').nullable().optional(),
  clear_fraction: z.number().gt(0).max(1).optional(),
  /** also clear under this fraction of the firing episode's median level; null: off */
  clear_relative: z.number().gt(0).lt(1).nullable().optional(),
  for: forSchema.optional(),
  /** a data-time duration, or { readings: N, of: M } clear readings while firing */
  clear_for: forSchema.optional(),
  notify_pending: z.boolean().optional(),
  keep_firing_for: durationSchema.optional(),
  resend_interval: durationSchema.nullable().optional(),
  periods: z.number().positive().optional(),
  default_period_s: z.number().positive().optional(),
});
type RuleInput = z.output<typeof ruleInputSchema>;

const HOUR = 3_600_000;
const lifecycle = { clear_for_ms: 0, keep_firing_for_ms: 0, resend_interval_ms: 4 * HOUR };

/**
 * What the built-in threshold rules share, against flicker: fire on 3 breaching readings of
 * the last 5, resolve only after 3 clear readings in a row (inside the hysteresis line), and
 * announce only firing and its resolution — a pending episode is tracked and shown, not sent.
 * One odd reading therefore neither raises nor resolves anything.
 */
const steady = {
  for: { kind: 'n-of-m', ...DEFAULT_CONFIRM },
  clear_readings: { n: DEFAULT_CLEAR_READINGS, m: DEFAULT_CLEAR_READINGS },
  notify_pending: false,
  ...lifecycle,
} as const;

/**
 * Built-in rules. Band rules clear 10 % of the band width inside the edge. drift,
 * level-shift and recon-error compare against the limit each agent derived from its own
 * warm-up (metrics.limits) and clear at 80 % of it; a message without that limit is not
 * judged (no fixed fallback: KL and reconstruction error scale with the device's channels
 * and model, so one fleet-wide number is wrong for most devices — see README).
 */
/** a silent rule's defaults: silent after 3 publish periods, 30 s when the device gives none */
const SILENT_DEFAULTS = { periods: 3, default_period_s: 30 } as const;

export const DEFAULT_RULES: readonly Rule[] = [
  ...(['over-coupling', 'over-compression'] as const).map((name): Rule => ({
    kind: 'threshold',
    name,
    field: 'band_value',
    op: name === 'over-coupling' ? 'above' : 'below',
    threshold: 'band',
    clear_margin: 0.1,
    clear_threshold: null,
    ...steady,
  })),
  ...(
    [
      ['drift', 'drift'],
      ['level-shift', 'drift_mean'],
      ['recon-error', 'recon_mean'],
      // the inputs' own coupling (opt-in per device class: no coupling_shift, no reading)
      ['input-coupling', 'coupling_shift'],
    ] as const
  ).map(([name, field]): Rule => ({
    kind: 'threshold',
    name,
    field,
    op: 'above',
    threshold: 'device',
    clear_margin: 0,
    clear_threshold: null,
    clear_fraction: DEFAULT_CLEAR_FRACTION,
    // the inputs' level shift: a process often settles at a new level after a fault
    clear_relative: field === 'drift_mean' ? DEFAULT_SETTLE_FRACTION : null,
    ...steady,
  })),
  {
    kind: 'silent',
    name: 'silent',
    ...SILENT_DEFAULTS,
    for: { kind: 'duration', ms: 0 },
    ...lifecycle,
  },
];

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
      history_max_age: durationSchema.default(7 * 24 * HOUR),
      alert_history: z.number().int().min(10).default(10_000),
      /**
       * device rows whose rule state did not move (last metrics, band value, trend) are
       * written this often, not per message; a crash loses at most this much of them
       */
      snapshot_interval: durationSchema.default(5000),
      /**
       * SQLite's page cache, MiB. better-sqlite3 builds with a 16 MiB default, which the
       * collector's RSS grows into as the file grows (a 30-minute soak: +19 MB that looked
       * like a leak). The hot pages (device rows, the index leaves being appended to) are
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

function mergeRule(
  name: string,
  base: Rule | undefined,
  input: RuleInput,
  issue: (p: string[], m: string) => void,
): Rule | null {
  const merged: Record<string, unknown> = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || k === 'enabled') continue;
    if (k === 'clear_for') {
      const c = v as ForSpec;
      merged.clear_for_ms = c.kind === 'duration' ? c.ms : 0;
      merged.clear_readings = c.kind === 'n-of-m' ? { n: c.n, m: c.m } : null;
      continue;
    }
    const key =
      {
        keep_firing_for: 'keep_firing_for_ms',
        resend_interval: 'resend_interval_ms',
      }[k] ?? k;
    merged[key] = v;
  }
  merged.name = name;
  merged.kind ??= 'threshold';
  const r = { for: { kind: 'duration', ms: 0 }, ...lifecycle, ...merged } as Record<
    string,
    unknown
  >;
  if (r.kind === 'silent') {
    r.periods ??= SILENT_DEFAULTS.periods;
    r.default_period_s ??= SILENT_DEFAULTS.default_period_s;
    return r as unknown as Rule;
  }
  for (const k of ['field', 'op', 'threshold'] as const)
    if (r[k] === undefined) issue([k], `required for a new rule`);
  if (r.field === undefined || r.op === undefined || r.threshold === undefined) return null;
  r.clear_margin ??= 0;
  r.clear_threshold ??= null;
  if (typeof r.threshold === 'number' && typeof r.clear_threshold === 'number') {
    const ok =
      r.op === 'above' ? r.clear_threshold <= r.threshold : r.clear_threshold >= r.threshold;
    if (!ok) issue(['clear_threshold'], `must be on the healthy side of threshold ${r.threshold}`);
  }
  if (r.threshold === 'band' && r.field !== 'band_value')
    issue(['threshold'], `'band' applies to field band_value only`);
  if (r.threshold === 'device' && !DEVICE_LIMIT_FIELDS.includes(String(r.field)))
    issue(['threshold'], `'device' applies to fields ${DEVICE_LIMIT_FIELDS.join(', ')} only`);
  if (r.threshold === 'device' && typeof r.clear_threshold === 'number')
    issue(['clear_threshold'], `not used with threshold 'device'; set clear_fraction`);
  if (r.threshold !== 'device' && input.clear_fraction !== undefined)
    issue(['clear_fraction'], `applies to threshold 'device' only`);
  return r as unknown as Rule;
}

/** Says what a rule of its own would: a kind, or any of field, op, threshold. */
function definesRule(input: RuleInput): boolean {
  return (
    input.kind !== undefined ||
    input.field !== undefined ||
    input.op !== undefined ||
    input.threshold !== undefined
  );
}

/** One problem on one line (the key and what a valid value looks like); several, one per line. */
function invalid(source: string, issues: string[]): UserError {
  const where = source === 'configuration' ? '' : `${source}: `;
  return new UserError(
    issues.length === 1
      ? `${where}${issues[0]}`
      : `${source} is invalid:\n  ${issues.join('\n  ')}`,
    'config',
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Validates raw config (parsed YAML with CLI overrides applied); throws UserError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): CollectorConfig {
  const issues: string[] = [];
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(`${formatPath(i.path)}: ${i.message}`);
    throw invalid(source, issues);
  }
  const c = parsed.data;
  const rules: Rule[] = [];
  const names = new Set([...DEFAULT_RULES.map((r) => r.name), ...Object.keys(c.rules)]);
  for (const name of names) {
    const input = c.rules[name];
    const base = DEFAULT_RULES.find((r) => r.name === name);
    if (base === undefined && input !== undefined && !definesRule(input)) {
      // a misspelt built-in rule, not a half-written new one
      issues.push(
        `${formatPath(['rules', name])}: unknown rule ${JSON.stringify(name)} (built in: ${DEFAULT_RULES.map((r) => r.name).join(', ')}; a new rule needs field, op and threshold)`,
      );
      continue;
    }
    if (input?.enabled === false) continue;
    if (input === undefined) {
      rules.push(base!);
      continue;
    }
    const rule = mergeRule(name, base, input, (p, m) =>
      issues.push(`${formatPath(['rules', name, ...p])}: ${m}`),
    );
    if (rule) rules.push(rule);
  }
  if (c.forecast.min_points > c.forecast.points)
    issues.push('forecast.min_points: must be ≤ forecast.points');
  if (!isLoopback(c.http.host) && c.http.token === null) {
    issues.push(`http.token: required when http.host (${c.http.host}) is not a loopback address`);
  }
  if (c.mqtt.password !== undefined && c.mqtt.password_env !== undefined) {
    issues.push(
      'mqtt.password: give mqtt.password_env (the name of an environment variable holding it) or the deprecated mqtt.password, not both',
    );
  }
  if (c.mqtt.shared_subscription_group !== null && c.mqtt.url === null) {
    issues.push(
      'mqtt.shared_subscription_group: needs mqtt.url (the embedded broker has no shared subscriptions)',
    );
  }
  if (c.mqtt.shared_subscription_group !== null && c.mqtt.client_id === undefined) {
    issues.push(
      'mqtt.client_id: required with a shared subscription (each member needs its own, stable id)',
    );
  }
  if (issues.length) throw invalid(source, issues);
  return { ...c, rules };
}

/** Reads a YAML file; returns its data or throws UserError with line numbers. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read config ${file}: ${(e as Error).message}`, 'config');
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new UserError(`${file}: ${doc.errors.map((e) => e.message).join('\n')}`, 'config');
  }
  return doc.toJS() ?? {};
}
