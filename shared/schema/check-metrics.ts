// A fast, exact acceptance test for metrics messages: true iff metricsSchema (zod) accepts the
// value. Why: zod is a large share of the collector's time per message and of the agent's
// publish path (bench collector; figures in collector/README.md), and this check is a small
// fraction of it. decodeMetrics (collector) and the agent's message builder run it
// first and hand anything it rejects to zod, which stays the authority for the error text.
// Exactness is tested by test/shared/schema/check-metrics.test.ts (every field of real
// messages mutated, fuzzed mutations, the fixtures) against metricsSchema.safeParse, so a
// schema change not mirrored here fails there. An own `__proto__` key is left to zod, whose
// output then differs from the input (it cannot carry such a key), so the fast path returns
// only values zod would return unchanged.
import { SCALAR_MEASURES } from '../measures/types.ts';
import { TOPIC_ID_MAX_LENGTH, TOPIC_ID_PATTERN } from './common.ts';
import { ATTRIBUTION_MAX_CHANNELS, LIMIT_FIELDS } from './metrics.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** zod v4's z.number(): a finite number (NaN and ±∞ are rejected) */
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonneg = (v: unknown): boolean => num(v) && v >= 0;
/** .int(): a safe integer */
const int = (v: unknown): boolean => Number.isSafeInteger(v);
const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const orNull = (v: unknown, ok: (v: unknown) => boolean): boolean => v === null || ok(v);
const optional = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || ok(v);

/**
 * Every own key is allowed (strictObject); missing keys are judged by the field checks.
 * for-in rather than Object.keys: no key array per object (this ran ~9 times per message and
 * was the check's largest cost). It also visits inherited enumerable keys, which only a
 * polluted prototype has; such a key is not allowed, so the answer is false and the caller
 * asks zod — never a wrong true.
 */
function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const key in o) if (!allowed.has(key)) return false;
  return true;
}

/** String length in code points, as zod's min/max measure it. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
const boundedString = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'string' &&
  (v.length >= min && v.length <= max ? true : codePoints(v) >= min && codePoints(v) <= max);

const topicId = (v: unknown): boolean =>
  boundedString(v, 1, TOPIC_ID_MAX_LENGTH) && TOPIC_ID_PATTERN.test(v as string);

const keys = (...k: string[]): ReadonlySet<string> => new Set(k);
const TOP = keys(
  'schema',
  'version',
  'fleet',
  'device',
  'boot',
  'seq',
  'window_start',
  'window_end',
  'windows',
  'phase',
  'warmup',
  'band',
  'band_value',
  'measures',
  'degenerate',
  'drift',
  'drift_note',
  'recon',
  'drift_mean',
  'coupling_shift',
  'limits',
  'rebaseline',
  'attribution',
  'health',
  'sent_at',
);
const BAND = keys('measure', 'low', 'center', 'high', 'source');
const MEASURES = keys(
  'n',
  'k',
  'tc',
  'tc_bias_corrected',
  'renyi',
  'hellinger2',
  'chi2',
  'quadratic',
  'spectral',
  'erank',
  'pr',
  'bartlett',
  'eigenvalues',
  'notes',
);
const RENYI = keys('0.5', '2');
const BARTLETT = keys('statistic', 'dof', 'p_value');
const RECON = keys('mean', 'p95');
const LIMITS = keys(...LIMIT_FIELDS);
const HEALTH = keys(
  'windows_in',
  'windows_dropped',
  'windows_bad',
  'samples_imputed',
  'inference_ms_p50',
  'inference_ms_p99',
  'queue_depth',
  'rss_bytes',
  'backend',
  'backend_fallback_reason',
  'outbox_depth',
  'outbox_dropped',
);
const DEAD = keys('kind', 'channels', 'message');
const TOO_FEW = keys('kind', 'n', 'k', 'message');
const NON_FINITE = keys('kind', 'message');
const SCALARS: ReadonlySet<unknown> = new Set(SCALAR_MEASURES);
const BAND_SOURCES: ReadonlySet<unknown> = new Set(['model', 'config', 'warmup']);

function band(b: unknown): boolean {
  if (!isObj(b) || !onlyKeys(b, BAND)) return false;
  const { low, center, high } = b;
  if (!SCALARS.has(b.measure) || !num(low) || !num(center) || !num(high)) return false;
  if (!optional(b.source, (s) => BAND_SOURCES.has(s))) return false;
  return low <= center && center <= high;
}

const finiteOrNull = (v: unknown): boolean => orNull(v, num);

function measures(m: unknown): boolean {
  if (!isObj(m) || !onlyKeys(m, MEASURES)) return false;
  if (!nonneg(m.n) || !(int(m.k) && (m.k as number) > 0)) return false;
  if (!finiteOrNull(m.tc) || !finiteOrNull(m.tc_bias_corrected)) return false;
  const r = m.renyi;
  if (!isObj(r) || !onlyKeys(r, RENYI) || !finiteOrNull(r['0.5']) || !finiteOrNull(r['2'])) {
    return false;
  }
  if (!num(m.hellinger2) || !finiteOrNull(m.chi2) || !num(m.quadratic)) return false;
  if (!num(m.spectral) || !num(m.erank) || !num(m.pr)) return false;
  const b = m.bartlett;
  if (b !== null) {
    if (!isObj(b) || !onlyKeys(b, BARTLETT) || !num(b.statistic) || !count(b.dof)) return false;
    if (!(num(b.p_value) && b.p_value >= 0 && b.p_value <= 1)) return false;
  }
  const e = m.eigenvalues;
  if (!Array.isArray(e)) return false;
  for (let i = 0; i < e.length; i++) if (!num(e[i])) return false;
  const notes = m.notes;
  if (!isObj(notes)) return false;
  for (const key of Object.keys(notes)) {
    if (key === '__proto__' || typeof notes[key] !== 'string') return false;
  }
  return true;
}

function degenerate(d: unknown): boolean {
  if (!isObj(d) || typeof d.message !== 'string') return false;
  switch (d.kind) {
    case 'dead-channel': {
      const ch = d.channels;
      if (!onlyKeys(d, DEAD) || !Array.isArray(ch)) return false;
      for (let i = 0; i < ch.length; i++) if (!count(ch[i])) return false;
      return true;
    }
    case 'too-few-samples':
      return onlyKeys(d, TOO_FEW) && num(d.n) && int(d.k);
    case 'non-finite':
      return onlyKeys(d, NON_FINITE);
    default:
      return false;
  }
}

function health(h: unknown): boolean {
  if (!isObj(h) || !onlyKeys(h, HEALTH)) return false;
  return (
    count(h.windows_in) &&
    count(h.windows_dropped) &&
    count(h.windows_bad) &&
    count(h.samples_imputed) &&
    nonneg(h.inference_ms_p50) &&
    nonneg(h.inference_ms_p99) &&
    count(h.queue_depth) &&
    count(h.rss_bytes) &&
    (h.backend === 'node' || h.backend === 'wasm') &&
    optional(h.backend_fallback_reason, (v) => typeof v === 'string') &&
    count(h.outbox_depth) &&
    count(h.outbox_dropped)
  );
}

const positive = (v: unknown): boolean => num(v) && v > 0;
const limits = (l: unknown): boolean => {
  if (!isObj(l) || !onlyKeys(l, LIMITS)) return false;
  return (
    optional(l.drift, positive) &&
    optional(l.drift_mean, positive) &&
    optional(l.recon_mean, positive) &&
    optional(l.coupling_shift, positive)
  );
};

const REBASELINE = keys('at', 'reason', 'shift');
const rebaseline = (r: unknown): boolean => {
  if (!isObj(r) || !onlyKeys(r, REBASELINE)) return false;
  if (!count(r.at) || !boundedString(r.reason, 0, 200) || !isObj(r.shift)) return false;
  for (const [k, v] of Object.entries(r.shift))
    if (k.length > 64 || k === '' || !num(v)) return false;
  return true;
};

const ATTRIBUTION = keys('drift_mean', 'coupling', 'recon');
const SHARE = keys('channel', 'share');
const DELTA = keys('channel', 'delta');
/** an array of at most ATTRIBUTION_MAX_CHANNELS {channel, <score>} objects */
function rankedList(v: unknown, allowed: ReadonlySet<string>, score: string): boolean {
  if (!Array.isArray(v) || v.length > ATTRIBUTION_MAX_CHANNELS) return false;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isObj(e) || !onlyKeys(e, allowed) || !boundedString(e.channel, 1, 64)) return false;
    const s = e[score];
    if (!num(s) || (score === 'share' && !(s >= 0 && s <= 1))) return false;
  }
  return true;
}
const attribution = (a: unknown): boolean =>
  isObj(a) &&
  onlyKeys(a, ATTRIBUTION) &&
  optional(a.drift_mean, (v) => rankedList(v, SHARE, 'share')) &&
  optional(a.coupling, (v) => rankedList(v, DELTA, 'delta')) &&
  optional(a.recon, (v) => rankedList(v, SHARE, 'share'));

const WARMUP = keys('windows', 'of');
const warmup = (w: unknown): boolean =>
  isObj(w) && onlyKeys(w, WARMUP) && count(w.windows) && count(w.of) && (w.of as number) > 0;

const recon = (r: unknown): boolean =>
  isObj(r) && onlyKeys(r, RECON) && nonneg(r.mean) && nonneg(r.p95);

/** True iff metricsSchema accepts `m`. */
export function isValidMetrics(m: unknown): boolean {
  if (!isObj(m) || !onlyKeys(m, TOP)) return false;
  return (
    m.schema === 'redband.metrics' &&
    m.version === 1 &&
    topicId(m.fleet) &&
    topicId(m.device) &&
    boundedString(m.boot, 1, 64) &&
    count(m.seq) &&
    count(m.window_start) &&
    count(m.window_end) &&
    count(m.windows) &&
    (m.phase === 'warmup' || m.phase === 'live') &&
    optional(m.warmup, warmup) &&
    orNull(m.band, band) &&
    orNull(m.band_value, num) &&
    orNull(m.measures, measures) &&
    orNull(m.degenerate, degenerate) &&
    orNull(m.drift, nonneg) &&
    optional(m.drift_note, (v) => typeof v === 'string') &&
    orNull(m.recon, recon) &&
    optional(m.drift_mean, (v) => orNull(v, nonneg)) &&
    optional(m.coupling_shift, (v) => orNull(v, nonneg)) &&
    optional(m.limits, (v) => orNull(v, limits)) &&
    optional(m.rebaseline, rebaseline) &&
    optional(m.attribution, attribution) &&
    health(m.health) &&
    count(m.sent_at)
  );
}
