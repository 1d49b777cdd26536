// The rules section of the collector config: the built-in rules, one rule's YAML schema
// (every key optional, so a built-in rule can be adjusted by name), and how a config's rules
// merge into the built-in ones, typed field by field. Every problem names its key.
import { z } from 'zod';
import {
  DEFAULT_CLEAR_FRACTION,
  DEFAULT_CLEAR_READINGS,
  DEFAULT_CONFIRM,
  DEFAULT_SETTLE_FRACTION,
} from '../../shared/detect/episode.ts';
import { SCALAR_MEASURES } from '../../shared/measures/types.ts';
import { durationSchema } from '../duration.ts';
import { DEVICE_LIMIT_FIELDS } from './readings.ts';
import type { ForSpec, Lifecycle, Rule, RuleField, SilentRule, ThresholdRule } from './types.ts';

export const RULE_FIELDS = [
  'band_value',
  'drift',
  'drift_mean',
  'recon_mean',
  'coupling_shift',
  ...SCALAR_MEASURES.map((m) => `measures.${m}` as const),
] as const satisfies readonly RuleField[];

/** `got <value>` for an error message, short */
export const got = (v: unknown): string => {
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
export const ruleInputSchema = z.strictObject({
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
export type RuleInput = z.output<typeof ruleInputSchema>;

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

/** a silent rule's defaults: silent after 3 publish periods, 30 s when the device gives none */
const SILENT_DEFAULTS = { periods: 3, default_period_s: 30 } as const;

/**
 * Built-in rules. Band rules clear 10 % of the band width inside the edge. drift,
 * level-shift and recon-error compare against the limit each agent derived from its own
 * warm-up (metrics.limits) and clear at 80 % of it; a message without that limit is not
 * judged (no fixed fallback: KL and reconstruction error scale with the device's channels
 * and model, so one fleet-wide number is wrong for most devices — see README).
 */
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

type Issue = (path: string[], message: string) => void;

/** A rule's lifecycle: the input's keys over the base rule's, else the defaults of a new rule. */
function mergeLifecycle(base: Lifecycle | undefined, input: RuleInput): Lifecycle {
  const clear = input.clear_for;
  return {
    for: input.for ?? base?.for ?? { kind: 'duration', ms: 0 },
    clear_for_ms: clear
      ? clear.kind === 'duration'
        ? clear.ms
        : 0
      : (base?.clear_for_ms ?? lifecycle.clear_for_ms),
    clear_readings: clear
      ? clear.kind === 'n-of-m'
        ? { n: clear.n, m: clear.m }
        : null
      : base?.clear_readings,
    notify_pending: input.notify_pending ?? base?.notify_pending,
    keep_firing_for_ms:
      input.keep_firing_for ?? base?.keep_firing_for_ms ?? lifecycle.keep_firing_for_ms,
    resend_interval_ms:
      input.resend_interval !== undefined
        ? input.resend_interval
        : (base?.resend_interval_ms ?? lifecycle.resend_interval_ms),
    clear_relative:
      input.clear_relative !== undefined ? input.clear_relative : base?.clear_relative,
  };
}

function mergeSilent(name: string, base: SilentRule | undefined, input: RuleInput): SilentRule {
  return {
    kind: 'silent',
    name,
    ...mergeLifecycle(base, input),
    periods: input.periods ?? base?.periods ?? SILENT_DEFAULTS.periods,
    default_period_s:
      input.default_period_s ?? base?.default_period_s ?? SILENT_DEFAULTS.default_period_s,
  };
}

function mergeThreshold(
  name: string,
  base: ThresholdRule | undefined,
  input: RuleInput,
  issue: Issue,
): ThresholdRule | null {
  const field = input.field ?? base?.field;
  const op = input.op ?? base?.op;
  const threshold = input.threshold ?? base?.threshold;
  if (field === undefined) issue(['field'], 'required for a new rule');
  if (op === undefined) issue(['op'], 'required for a new rule');
  if (threshold === undefined) issue(['threshold'], 'required for a new rule');
  if (field === undefined || op === undefined || threshold === undefined) return null;
  const clearFraction = input.clear_fraction ?? base?.clear_fraction;
  const r: ThresholdRule = {
    kind: 'threshold',
    name,
    ...mergeLifecycle(base, input),
    field,
    op,
    threshold,
    clear_margin: input.clear_margin ?? base?.clear_margin ?? 0,
    clear_threshold:
      input.clear_threshold !== undefined ? input.clear_threshold : (base?.clear_threshold ?? null),
    ...(clearFraction !== undefined ? { clear_fraction: clearFraction } : {}),
  };
  checkThreshold(r, input, issue);
  return r;
}

/** What a merged threshold rule must satisfy, beyond each key's own schema. */
function checkThreshold(r: ThresholdRule, input: RuleInput, issue: Issue): void {
  if (typeof r.threshold === 'number' && typeof r.clear_threshold === 'number') {
    const ok =
      r.op === 'above' ? r.clear_threshold <= r.threshold : r.clear_threshold >= r.threshold;
    if (!ok) issue(['clear_threshold'], `must be on the healthy side of threshold ${r.threshold}`);
  }
  if (r.threshold === 'band' && r.field !== 'band_value')
    issue(['threshold'], `'band' applies to field band_value only`);
  if (r.threshold === 'device' && !DEVICE_LIMIT_FIELDS.includes(r.field))
    issue(['threshold'], `'device' applies to fields ${DEVICE_LIMIT_FIELDS.join(', ')} only`);
  if (r.threshold === 'device' && typeof r.clear_threshold === 'number')
    issue(['clear_threshold'], `not used with threshold 'device'; set clear_fraction`);
  if (r.threshold !== 'device' && input.clear_fraction !== undefined)
    issue(['clear_fraction'], `applies to threshold 'device' only`);
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

/**
 * The built-in rules with a config's `rules` section applied: a built-in adjusted or removed
 * (`false`) by name, a new rule added; a name that is neither a built-in rule nor a whole new
 * one is a misspelling. `issue` gets every problem with its key path under `rules`.
 */
export function mergeRules(inputs: Record<string, RuleInput>, issue: Issue): Rule[] {
  const rules: Rule[] = [];
  const names = new Set([...DEFAULT_RULES.map((r) => r.name), ...Object.keys(inputs)]);
  for (const name of names) {
    const input = inputs[name];
    const base = DEFAULT_RULES.find((r) => r.name === name);
    if (base === undefined && input !== undefined && !definesRule(input)) {
      issue(
        [name],
        `unknown rule ${JSON.stringify(name)} (built in: ${DEFAULT_RULES.map((r) => r.name).join(', ')}; a new rule needs field, op and threshold)`,
      );
      continue;
    }
    if (input?.enabled === false) continue;
    if (input === undefined) {
      rules.push(base!);
      continue;
    }
    const at: Issue = (p, m) => issue([name, ...p], m);
    const kind = input.kind ?? base?.kind ?? 'threshold';
    const rule =
      kind === 'silent'
        ? mergeSilent(name, base?.kind === 'silent' ? base : undefined, input)
        : mergeThreshold(name, base?.kind === 'threshold' ? base : undefined, input, at);
    if (rule) rules.push(rule);
  }
  return rules;
}
